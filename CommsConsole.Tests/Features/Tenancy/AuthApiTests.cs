using System.Net;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Tenancy;

[Collection(AppCollection.Name)]
public sealed class AuthApiTests(SharedApp app)
{
    [Fact]
    public async Task Token_WithGoodCredentials_ReturnsBearerToken()
    {
        using var client = app.Anonymous();
        var (status, body) = await client.PostAsync("/auth/token", new { email = AppFactory.AdminEmail, password = AppFactory.AdminPassword });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Bearer", body.Str("token_type"));
        Assert.True(body.Int("expires_in") > 0);
        Assert.Equal(3, body.Str("access_token").Split('.').Length);
    }

    [Fact]
    public async Task Token_WithWrongPassword_Answers401InEnvelope()
    {
        using var client = app.Anonymous();
        var (status, body) = await client.PostAsync("/auth/token", new { email = AppFactory.AdminEmail, password = "wrong" });
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(401, body.Int("code"));
        Assert.False(string.IsNullOrEmpty(body.Str("timestamp")));
    }

    [Fact]
    public async Task Token_AfterRepeatedFailures_LocksTheAccountOut()
    {
        var tenant = await app.CreateTenantAsync();
        var (_, _) = await app.UserAsync(Roles.Marketer, tenant);
        using var admin = await app.AdminAsync();
        var email = $"lock-{Guid.NewGuid():N}@tests.local";
        await admin.PostAsync("/admin/users", new { email, password = "Right-Passw0rd!", role = Roles.Marketer, tenant_id = tenant });

        using var client = app.Anonymous();
        for (var i = 0; i < 5; i++) await client.PostAsync("/auth/token", new { email, password = "wrong" });
        var (status, body) = await client.PostAsync("/auth/token", new { email, password = "Right-Passw0rd!" });
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("locked", body.Str("message"));
    }

    [Theory]
    [InlineData("GET", "/communication/logs")]
    [InlineData("POST", "/communication/bulk")]
    [InlineData("POST", "/notification/sms/send")]
    [InlineData("POST", "/notification/sms/send-batch")]
    [InlineData("POST", "/notification/sms/send-template")]
    [InlineData("GET", "/notification/sms/status/1")]
    [InlineData("POST", "/notification/sms/retry/1")]
    [InlineData("POST", "/admin/tenants")]
    [InlineData("POST", "/admin/users")]
    [InlineData("GET", "/admin/users")]
    public async Task Endpoint_WithoutToken_Answers401JsonNotRedirect(string method, string path)
    {
        using var client = app.Anonymous();
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "POST" ? new StringContent("{}", System.Text.Encoding.UTF8, "application/json") : null,
        });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"code\":401", text);
    }

    [Fact]
    public async Task Endpoint_WithForgedToken_Answers401()
    {
        using var client = app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");
        var (status, body) = await client.GetJsonAsync("/communication/logs");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(401, body.Int("code"));
    }
}
