using System.Net;
using System.Security.Claims;
using System.Text.Json;
using CommsConsole.Features.Api;
using CommsConsole.Features.Providers;
using CommsConsole.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Api;

/// <summary>
/// A caller reaching for another tenant's record or settings is refused, and the refusal comes in the envelope of the
/// face it asked: document 003's <c>{code, message, data}</c> for /notification, dto.SimpleResponse for /admin.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class OtherTenantRefusalTests(SharedApp app)
{
    [Fact]
    public async Task NotificationFace_RefusesAnotherTenantsRecord_InItsEnvelope()
    {
        var tenant = await app.CreateTenantAsync();
        var (owner, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (stranger, _) = await app.UserAsync(Roles.Admin, await app.CreateTenantAsync());
        var logId = (await owner.PostAsync("/notification/sms/send", new { phone = "13800138000", content = "x" })).Body.GetProperty("data").Long("logId");

        foreach (var (status, body) in new[]
        {
            await stranger.GetJsonAsync($"/notification/sms/status/{logId}"),
            await stranger.PostAsync($"/notification/sms/retry/log_{logId}", new { }),
        })
        {
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal(["code", "data", "message"], Names(body));
            Assert.Equal(1003, body.Int("code"));
            Assert.Equal(JsonValueKind.Null, body.GetProperty("data").ValueKind);
            Assert.DoesNotContain("13800138000", body.Str("message"));
        }
    }

    [Fact]
    public async Task AdminFace_RefusesAnotherTenantsProvidersAndUsers_InItsEnvelope()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);

        foreach (var (status, body) in new[]
        {
            await admin.GetJsonAsync($"/admin/providers?tenant_id={other}"),
            await admin.PutAsync($"/admin/providers/sms/primary?tenant_id={other}", new { kind = "simulated" }),
            await admin.DeleteJsonAsync($"/admin/providers/sms/primary?tenant_id={other}"),
            await admin.PostAsync("/admin/users", new { email = $"u{Guid.NewGuid():N}@tests.local", password = AppFactory.UserPassword, role = Roles.Marketer, tenant_id = other }),
        })
        {
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Equal(["code", "message", "timestamp"], Names(body));
            Assert.Equal(403, body.Int("code"));
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", body.Str("timestamp"));
        }
        using var db = app.Db();
        Assert.DoesNotContain(db.ProviderAccounts, a => a.TenantId == other);
    }

    [Fact]
    public async Task Handler_CalledDirectly_AnswersTypedResults_ForItsCallersTenantOnly()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var (_, userId) = await app.UserAsync(Roles.Admin, tenant);
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, userId), new Claim(Caller.TenantClaim, tenant), new Claim(ClaimTypes.Role, Roles.Admin)], "test"));
        await using var scope = app.Services.CreateAsyncScope();
        var providers = scope.ServiceProvider.GetRequiredService<ProviderSettingsService>();
        var services = new ProvidersServices(providers, TimeProvider.System, user);
        Assert.Equal(new Caller(userId, tenant, Roles.Admin), services.Caller);

        var own = Assert.IsType<Ok<ProviderAccountListResponse>>((await ProvidersApi.List(null, services, CancellationToken.None)).Result);
        Assert.Empty(own.Value!.Items);
        var refused = Assert.IsType<SimpleError>((await ProvidersApi.List(other, services, CancellationToken.None)).Result);
        Assert.Equal(403, refused.StatusCode);
        Assert.Equal(403, refused.Value.Code);

        // No caller, no services: an endpoint that acts for someone cannot be reached without one.
        Assert.Throws<InvalidOperationException>(() => new ProvidersServices(providers, TimeProvider.System, new ClaimsPrincipal(new ClaimsIdentity())));
    }

    private static List<string> Names(JsonElement body) => body.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
}
