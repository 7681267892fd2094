using System.Net;
using System.Text;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features.Receipts;

[Collection(AppCollection.Name)]
public sealed class SubhookBadInputTests(SharedApp app)
{
    [Theory]
    [InlineData("application/json", "{\"events\":")]
    [InlineData("application/json", "[1,2]")]
    [InlineData("text/plain", "events=delivered")]
    public async Task MalformedReport_Is400NotAServerError(string contentType, string body)
    {
        using var client = app.Anonymous();
        var response = await client.PostAsync("/webhooks/submail", new StringContent(body, Encoding.UTF8, contentType));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"code\":400", await response.Content.ReadAsStringAsync());
    }
}
