using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features.Messaging;

[Collection(AppCollection.Name)]
public sealed class EmailRenderingTests(SharedApp app)
{
    [Fact]
    public async Task HtmlEmail_EncodesVariableValues_ButKeepsTheTemplatesMarkup_AndTextEmailDoesNot()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var variables = new { name = "<script>alert(1)</script>" };

        var (_, html) = await client.PostAsync("/communication/bulk", new { channel = "email", purpose = "transactional", subject = "Hi", content = "<p>Dear {{ name }}</p>", variables, recipients = new[] { "a@example.com" } });
        Assert.Equal("<p>Dear &lt;script&gt;alert(1)&lt;/script&gt;</p>", html.GetProperty("items")[0].Str("content"));

        var (_, text) = await client.PostAsync("/communication/bulk", new { channel = "email", purpose = "transactional", subject = "Hi", content = "Dear {{ name }}", variables, recipients = new[] { "a@example.com" } });
        Assert.Equal("Dear <script>alert(1)</script>", text.GetProperty("items")[0].Str("content"));
    }
}
