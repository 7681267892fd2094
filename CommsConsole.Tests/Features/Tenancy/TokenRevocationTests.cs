using System.Net;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Tenancy;

[Collection(AppCollection.Name)]
public sealed class TokenRevocationTests(SharedApp app)
{
    [Fact]
    public async Task Token_StopsWorking_WhenTheAccountIsLocked_AndWhenItsRoleChanges()
    {
        var tenant = await app.CreateTenantAsync();
        var (locked, lockedId) = await app.UserAsync(Roles.Marketer, tenant);
        var (demoted, demotedId) = await app.UserAsync(Roles.Marketer, tenant);
        Assert.Equal(HttpStatusCode.OK, (await locked.GetJsonAsync("/communication/logs")).Status);
        Assert.Equal(HttpStatusCode.OK, (await demoted.GetJsonAsync("/communication/logs")).Status);

        using (var scope = app.Services.CreateScope())
        {
            var tenancy = scope.ServiceProvider.GetRequiredService<TenancyService>();
            var admin = new Caller("usr_test_admin", tenant, Roles.SystemAdmin);
            Assert.True((await tenancy.SetLockedAsync(lockedId, true, admin, CancellationToken.None)).IsOk);
            Assert.True((await tenancy.ChangeRoleAsync(demotedId, Roles.Auditor, admin, CancellationToken.None)).IsOk);
        }

        var (status, body) = await locked.GetJsonAsync("/communication/logs");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("the account is locked", body.Str("message"));
        var (stale, staleBody) = await demoted.PostAsync("/communication/bulk", new { channel = "sms", content = "x", recipients = new[] { "13800138000" } });
        Assert.Equal(HttpStatusCode.Unauthorized, stale);
        Assert.Contains("get a new token", staleBody.Str("message"));
    }
}
