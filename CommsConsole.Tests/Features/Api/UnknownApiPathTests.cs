using System.Net;
using System.Text;
using System.Text.Json;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features.Api;

/// <summary>Paths and methods no endpoint serves under an API family answer in its JSON envelope, never with the console.</summary>
[Collection(AppCollection.Name)]
public sealed class UnknownApiPathTests(SharedApp app)
{
    private static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(HttpClient client, string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method is "GET" or "HEAD" or "DELETE" ? null : new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json",
            $"{method} {path}: expected JSON, got {(int)response.StatusCode} '{response.Content.Headers.ContentType}' {response.Headers.Location}");
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    private static void AssertEnvelope(string path, int status, JsonElement body)
    {
        Assert.Equal(status, body.Int("code"));
        Assert.False(string.IsNullOrWhiteSpace(body.Str("message")));
        if (path.StartsWith("/notification", StringComparison.Ordinal)) Assert.Equal(JsonValueKind.Null, body.GetProperty("data").ValueKind);
        else Assert.False(string.IsNullOrWhiteSpace(body.Str("timestamp")));
    }

    [Theory]
    [InlineData("GET", "/communication/newsletters")]
    [InlineData("POST", "/communication/newsletters")]
    [InlineData("POST", "/communication/contacts/1/import")]
    [InlineData("GET", "/communication")]
    [InlineData("GET", "/notification/sms/nothing")]
    [InlineData("POST", "/notification/sms/status/1/extra")]
    [InlineData("GET", "/notification/email/send")]
    [InlineData("GET", "/admin/nothing")]
    [InlineData("POST", "/admin/tenants/x/users")]
    [InlineData("GET", "/auth/refresh")]
    [InlineData("POST", "/auth/logout")]
    [InlineData("GET", "/webhooks/endpoints/1/nothing")]
    [InlineData("POST", "/webhooks/endpoints.json")]
    public async Task UnknownPath_Is404InTheFamilysEnvelope_WithOrWithoutAToken(string method, string path)
    {
        using var anonymous = app.Anonymous();
        var (status, body, _) = await SendAsync(anonymous, method, path);
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertEnvelope(path, 404, body);
        Assert.Contains("path", body.Str("message"));

        using var admin = await app.AdminAsync();
        var (authorized, _, _) = await SendAsync(admin, method, path);
        Assert.Equal(HttpStatusCode.NotFound, authorized);
    }

    [Theory]
    [InlineData("GET", "/communication/bulk", "POST")]
    [InlineData("DELETE", "/communication/logs", "GET")]
    [InlineData("GET", "/notification/sms/send", "POST")]
    [InlineData("PUT", "/notification/sms/status/1", "GET")]
    [InlineData("DELETE", "/admin/tenants", "POST")]
    [InlineData("PATCH", "/admin/users", "GET, POST")]
    [InlineData("GET", "/auth/token", "POST")]
    [InlineData("GET", "/webhooks/submail", "POST")]
    public async Task KnownPath_WithAnotherMethod_Is405InTheFamilysEnvelope_WithAllow(string method, string path, string allow)
    {
        using var client = await app.AdminAsync();
        var (status, body, response) = await SendAsync(client, method, path);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        AssertEnvelope(path, 405, body);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        Assert.Contains(method, body.Str("message"));
    }

    [Fact]
    public async Task UnknownPaths_TwentyAtOnce_AllAnswer404Json()
    {
        using var client = app.Anonymous();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => SendAsync(client, i % 2 == 0 ? "GET" : "POST", $"/communication/nothing-{i}")));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.NotFound, a.Status));
    }

    [Fact]
    public async Task ConsolePages_StillServeTheConsole()
    {
        using var browser = new ConsoleBrowser(app);
        var client = browser.Client;
        var page = await client.GetAsync("/logs");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/Account/Login", page.Headers.Location!.ToString());
        var unknown = await client.GetAsync("/no-such-page");
        Assert.NotEqual("application/json", unknown.Content.Headers.ContentType?.MediaType);
        var signIn = await client.GetAsync("/Account/Login");
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.Equal("text/html", signIn.Content.Headers.ContentType?.MediaType);

        // A route the API answers itself with a 404 keeps its own message.
        var tenant = await app.CreateTenantAsync();
        var (integrator, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (missing, body) = await integrator.GetJsonAsync("/notification/sms/status/999999999");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal(1003, body.Int("code"));
    }
}
