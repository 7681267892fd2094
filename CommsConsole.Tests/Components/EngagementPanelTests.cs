using Bunit;
using CommsConsole.Components.Pages.Batches;
using CommsConsole.Components.Pages.Compliance;
using CommsConsole.Data;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Components;

/// <summary>The batch page's opens and clicks, and the tenant's tracking switches, on the shared app's real database.</summary>
[Collection(AppCollection.Name)]
public sealed class EngagementPanelTests(SharedApp app) : ConsoleComponentContext(app)
{
    [Fact]
    public async Task EngagementPanel_ShowsPeoplesOpensAndClicks_AutomatedApart_AndWhoOpened()
    {
        var (api, _, tenant) = await SignInAsync(Roles.Marketer);
        var (status, body) = await api.PostAsync("/communication/bulk", new
        {
            channel = "email", purpose = "transactional", subject = "Receipt", content = "<p>Thanks</p>", recipients = new[] { "first@example.com", "second@example.com" },
        });
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        var batchId = body.Long("batch_id");
        await App.WaitSettledAsync(batchId);
        var now = DateTimeOffset.UtcNow;
        using (var db = App.Db())
        {
            var first = await db.Messages.SingleAsync(m => m.BatchId == batchId && m.Recipient == "first@example.com");
            MessageEvent Hit(EngagementKind kind, bool automated, int minutes) => new()
            {
                TenantId = tenant, MessageId = first.Id, BatchId = batchId, Kind = kind, At = now.AddMinutes(-minutes), Automated = automated,
                LinkPosition = kind == EngagementKind.Click ? 0 : null, Url = kind == EngagementKind.Click ? "https://shop.example/" : null,
            };
            db.MessageEvents.AddRange(Hit(EngagementKind.Open, false, 90), Hit(EngagementKind.Open, false, 30), Hit(EngagementKind.Click, false, 29),
                Hit(EngagementKind.Open, true, 100));
            await db.SaveChangesAsync();
        }

        var cut = Render<EngagementPanel>(p => p.Add(x => x.BatchId, batchId));
        // Rates as the reader's culture writes them (the page renders in the test thread's).
        var half = $"1 ({0.5:P1})";
        cut.WaitForAssertion(() => Assert.Equal(half, cut.Find("[data-testid=engagement-opened]").TextContent));
        Assert.Equal("2", cut.Find("[data-testid=engagement-opens-total]").TextContent);
        Assert.Equal(half, cut.Find("[data-testid=engagement-clicked]").TextContent);
        Assert.Contains("1 opens and 0 clicks", cut.Find("[data-testid=engagement-automated]").TextContent);
        Assert.Contains("https://shop.example/", cut.Find("[data-testid=engagement-links]").TextContent);
        var hours = cut.FindAll("[data-testid=engagement-hours] tbody tr");
        Assert.Equal(2, hours.Sum(r => int.Parse(r.Children[1].TextContent)));
        Assert.Equal(1, hours.Sum(r => int.Parse(r.Children[2].TextContent)));

        cut.Find("[data-testid=who-opened]").Click();
        cut.WaitForAssertion(() => Assert.Contains("first@example.com", cut.Find("[data-testid=who-list]").TextContent));
        Assert.DoesNotContain("second@example.com", cut.Find("[data-testid=who-list]").TextContent);
    }

    [Fact]
    public async Task EngagementPanel_OfAnotherTenantsBatch_ShowsNothingOfIt()
    {
        var other = await App.CreateTenantAsync();
        var (otherApi, _) = await App.UserAsync(Roles.Marketer, other);
        var (_, body) = await otherApi.PostAsync("/communication/bulk", new
        {
            channel = "email", purpose = "transactional", subject = "Receipt", content = "<p>Thanks</p>", recipients = new[] { "someone@example.com" },
        });
        var batchId = body.Long("batch_id");
        await SignInAsync(Roles.Admin);

        var cut = Render<EngagementPanel>(p => p.Add(x => x.BatchId, batchId));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=engagement-refresh]")));
        Assert.Empty(cut.FindAll("[data-testid=engagement-opened]"));
    }

    [Fact]
    public async Task ComplianceSettings_SwitchesTrackingOfMarketingOff_AndTransactionalOn()
    {
        var (_, _, tenant) = await SignInAsync(Roles.Admin);
        var cut = Render<ComplianceSettings>();
        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid=policy-track-marketing]").HasAttribute("checked")));
        Assert.False(cut.Find("[data-testid=policy-track-transactional]").HasAttribute("checked"));

        cut.Find("[data-testid=policy-postal]").Change("1 Example Road");
        cut.Find("[data-testid=policy-track-marketing]").Change(false);
        cut.Find("[data-testid=policy-track-transactional]").Change(true);
        cut.Find("[data-testid=policy-save]").Click();
        await App.WaitUntilAsync(async db => await db.TenantPolicies.AnyAsync(p => p.TenantId == tenant && p.MarketingEmailTrackingOff && p.TransactionalEmailTrackingOn));
    }
}
