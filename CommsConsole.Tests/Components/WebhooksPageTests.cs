using CommsConsole.Data;
using Bunit;
using CommsConsole.Components.Pages.Webhooks;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Components;

[Collection(AppCollection.Name)]
public sealed class WebhooksPageTests(SharedApp app) : ConsoleComponentContext(app)
{
    [Fact]
    public async Task WebhooksPage_AddsAnEndpoint_ShowsItsSecretOnce_AndDisablesIt()
    {
        var (_, _, tenant) = await SignInAsync(Roles.Admin);
        var cut = Render<Webhooks>();
        cut.WaitForAssertion(() => Assert.Contains("No webhook endpoints yet.", cut.Markup));

        cut.Find("[data-testid=webhook-url]").Change("https://crm.example.com/<b>hooks</b>");
        await cut.InvokeAsync(() => cut.Find("[data-testid=webhook-save]").Click());

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=webhook-row-url]")));
        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", cut.Find("[data-testid=webhook-secret-value]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=webhook-table] b"));

        var again = Render<Webhooks>();
        again.WaitForAssertion(() => Assert.Single(again.FindAll("[data-testid=webhook-row-url]")));
        Assert.Empty(again.FindAll("[data-testid=webhook-secret-value]"));

        await again.InvokeAsync(() => again.Find("[data-testid=webhook-toggle]").Click());
        // The click's save runs after the handler returns: wait for it rather than read the row at once.
        WebhookEndpoint endpoint;
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await using var db = App.Db();
            endpoint = await db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.TenantId == tenant);
            if (!endpoint.Enabled || DateTime.UtcNow > until) break;
            await Task.Delay(100);
        }
        Assert.False(endpoint.Enabled);
        Assert.Equal(WebhookEventsDefault, endpoint.EventMask);
    }

    /// <summary>The form starts with message.delivered and message.failed ticked (bits 2 and 3).</summary>
    private const int WebhookEventsDefault = 0b110;

    [Fact]
    public async Task WebhooksPage_ShowsANotice_ForAnEndpointTheAppDisabled_InChinese()
    {
        var (api, _, tenant) = await SignInAsync(Roles.Admin);
        var (status, body) = await api.PostAsync("/webhooks/endpoints", new { url = "https://crm.example.com/gone", events = new[] { "message.sent" } });
        Assert.Equal(System.Net.HttpStatusCode.Created, status);
        await using (var db = App.Db())
        {
            await db.WebhookEndpoints.Where(e => e.TenantId == tenant).ExecuteUpdateAsync(s => s
                .SetProperty(e => e.Enabled, false).SetProperty(e => e.DisabledReason, "gone"));
        }
        using var _ = Culture("zh-CN");
        var cut = Render<Webhooks>();
        cut.WaitForAssertion(() => Assert.Contains("它返回了 410 Gone", cut.Find("[data-testid=webhook-disabled-notice]").TextContent));
        Assert.Contains("https://crm.example.com/gone", cut.Find("[data-testid=webhook-disabled-notice]").TextContent);
        Assert.True(body.Long("id") > 0);
    }
}
