using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Components;

/// <summary>The page people land on after an unexpected error: a plain apology and a reference, never advice for developers.</summary>
[Collection(AppCollection.Name)]
public sealed class ErrorPageTests(SharedApp app)
{
    [Theory]
    [InlineData("en", "Something went wrong")]
    [InlineData("zh-CN", "出错了")]
    public async Task ErrorPage_ApologisesInTheUsersLanguage_WithAReference_AndNoDeveloperAdvice(string culture, string title)
    {
        using var client = app.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Error");
        request.Headers.Add("Cookie", ".AspNetCore.Culture=" + Uri.EscapeDataString($"c={culture}|uic={culture}"));
        var response = await client.SendAsync(request);
        var html = System.Net.WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.Contains(title, html);
        Assert.Matches("data-testid=\"request-id\">[^<]+</code>", html);
        Assert.DoesNotContain("Development", html);
        Assert.DoesNotContain("ASPNETCORE_ENVIRONMENT", html);
    }
}
