using CommsConsole.Data;
using Bunit;
using CommsConsole.Components.Pages.Settings;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Components;

[Collection(AppCollection.Name)]
public sealed class ProviderSettingsTests(SharedApp app) : ConsoleComponentContext(app)
{
    [Fact]
    public async Task StoredAccount_IsShownWithItsSecretMasked_AndSavingWithTheSecretLeftBlankKeepsIt()
    {
        var (api, _, tenant) = await SignInAsync(Roles.Admin);
        const string appKey = "fedcba9876543210fedcba9876543210";
        var (status, _) = await api.PutAsync("/admin/providers/sms/primary", new
        {
            kind = "submail", app_id = "20002", app_key = appKey, base_url = "https://sms.example.com", signature = "【Shop】",
        });
        Assert.Equal(System.Net.HttpStatusCode.OK, status);

        var cut = Render<Providers>();

        cut.WaitForAssertion(() => Assert.Equal("20002", cut.Find("[data-testid=provider-sms-primary] [data-testid=submail-app-id]").GetAttribute("value")));
        Assert.DoesNotContain(appKey, cut.Markup);
        Assert.Contains("••••3210", cut.Markup);
        Assert.Contains($"webhooks/submail/{tenant}", cut.Find("[data-testid=subhook-url]").GetAttribute("value"));

        cut.Find("[data-testid=provider-sms-primary] [data-testid=submail-signature]").Change("【Shop2】");
        cut.Find("[data-testid=provider-sms-primary] [data-testid=save-provider]").Click();

        await App.WaitUntilAsync(async db => (await db.ProviderAccounts.SingleAsync(a => a.TenantId == tenant && a.Channel == Channel.Sms)).Settings.Contains("Shop2"));
        var (_, list) = await api.GetJsonAsync("/admin/providers");
        var account = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal("【Shop2】", account.Str("signature"));
        Assert.Equal("••••3210", account.Str("app_key"));
    }

    [Fact]
    public async Task Editor_FillsSettingsAnAccountLacks_WithTheServicesDefaults()
    {
        var (_, userId, tenant) = await SignInAsync(Roles.Admin);
        var stored = new ProviderAccountView(tenant, Channel.Email, ProviderRole.Primary, ProviderKinds.Smtp,
            new ProviderSettings { Host = "127.0.0.1", FromAddress = "news@tenant.example" }, DateTimeOffset.UnixEpoch, userId);

        var cut = Render<ProviderAccountEditor>(p => p
            .Add(e => e.Channel, Channel.Email).Add(e => e.Role, ProviderRole.Primary).Add(e => e.Account, stored)
            .Add(e => e.Caller, new Caller(userId, tenant, Roles.Admin)).Add(e => e.TenantId, tenant));

        Assert.Equal(ProviderSettingsService.Defaults.Port.ToString(), cut.Find("[data-testid=smtp-port]").GetAttribute("value"));
    }
}
