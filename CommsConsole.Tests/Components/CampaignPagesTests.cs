using System.Net;
using Bunit;
using CommsConsole.Components.Pages.Campaigns;
using CommsConsole.Components.Shared;
using CommsConsole.Features.Common;
using CommsConsole.Data;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Components;

[Collection(AppCollection.Name)]
public sealed class CampaignPagesTests(SharedApp app) : ConsoleComponentContext(app)
{
    private static async Task<long> CreateAsync(HttpClient api, object body)
    {
        var (status, answer) = await api.PostAsync("/communication/campaigns", body);
        Assert.True(status == HttpStatusCode.Created, $"{status}: {answer}");
        return answer.Long("id");
    }

    [Fact]
    public async Task CampaignList_ShowsEachWithItsStateAudienceAndCounts_AndNamesAsText_AndFiltersByState()
    {
        var (api, _, _) = await SignInAsync(Roles.Marketer);
        var draft = await CreateAsync(api, new { name = "<b>Bold</b> draft", channel = "sms", content = "【Shop】Hi", recipients = new[] { "13800170001", "13800170002" } });
        var sent = await CreateAsync(api, new { name = "Gone out", channel = "sms", content = "【Shop】Hi", recipients = new[] { "13800170003" } });
        var (started, answer) = await api.PostAsync($"/communication/campaigns/{sent}/send", new { });
        Assert.Equal(HttpStatusCode.OK, started);
        await App.WaitSettledAsync(answer.Long("batch_id"));

        var cut = Render<Campaigns>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=campaign-name]").Count));
        Assert.Contains(cut.FindAll("[data-testid=campaign-name]"), n => n.TextContent == "<b>Bold</b> draft");
        Assert.Empty(cut.FindAll("[data-testid=campaign-grid] b"));
        var states = cut.FindAll("[data-testid=campaign-state]").Select(s => s.GetAttribute("data-state")).ToList();
        Assert.Contains("draft", states);
        Assert.Contains("2 recipients", cut.FindAll("[data-testid=campaign-audience]").Select(a => a.TextContent));
        cut.WaitForAssertion(() => Assert.Contains("Total 1", cut.Find("[data-testid=campaign-counts]").TextContent));
        Assert.Contains(cut.FindAll("a[href]"), a => a.GetAttribute("href") == $"campaigns/{draft}");
    }

    [Fact]
    public async Task DraftPage_PreviewsForARecipient_AndSavesAnEdit_AndASentCampaignShowsItsReport()
    {
        var (api, _, _) = await SignInAsync(Roles.Marketer);
        var id = await CreateAsync(api, new { name = "Page draft", channel = "sms", content = "【Shop】Hello {{ who }}", variables = new { who = "Li" }, recipients = new[] { "13800170101", "13800170102" } });

        var cut = Render<CampaignDetail>(p => p.Add(c => c.Id, id));

        cut.WaitForAssertion(() => Assert.StartsWith("【Shop】Hello Li", cut.Find("[data-testid=preview-text]").TextContent));
        Assert.Contains("2 messages", cut.Find("[data-testid=estimate]").TextContent);
        // The preview follows the editor before anything is saved.
        cut.Find("[data-testid=edit-content]").Input("【Shop】Goodbye {{ who }}");
        cut.WaitForAssertion(() => Assert.StartsWith("【Shop】Goodbye Li", cut.Find("[data-testid=preview-text]").TextContent));
        cut.Find("[data-testid=edit-name]").Change("Renamed on the page");
        cut.Find("[data-testid=save]").Click();
        await App.WaitUntilAsync(db => db.Campaigns.AnyAsync(c => c.Id == id && c.Name == "Renamed on the page" && c.Content == "【Shop】Goodbye {{ who }}"));

        var (started, answer) = await api.PostAsync($"/communication/campaigns/{id}/send", new { });
        Assert.Equal(HttpStatusCode.OK, started);
        await App.WaitSettledAsync(answer.Long("batch_id"));
        var report = Render<CampaignDetail>(p => p.Add(c => c.Id, id));
        report.WaitForAssertion(() => Assert.Equal("2", report.Find("[data-testid=stat-audience]").TextContent));
        Assert.Empty(report.FindAll("[data-testid=campaign-editor]"));
        Assert.Contains(report.FindAll("[data-testid=report-links] a"), a => a.GetAttribute("href") == $"logs?batch={answer.Long("batch_id")}&status=failed");
    }

    [Fact]
    public async Task EmailDraft_WrittenInMarkdown_IsPreviewedRendered_AndKeepsItsFormatWhenSaved()
    {
        var (api, _, _) = await SignInAsync(Roles.Marketer);
        var id = await CreateAsync(api, new { name = "Mail draft", channel = "email", purpose = "transactional", subject = "News", content = "Hello **{{ who }}**", variables = new { who = "Li" }, recipients = new[] { "li@example.com" } });

        var cut = Render<CampaignDetail>(p => p.Add(c => c.Id, id));

        cut.WaitForAssertion(() => Assert.Contains("Hello **Li**", cut.Find("[data-testid=preview-text]").TextContent));
        var format = cut.FindComponent<EmailFormatSelect>();
        await cut.InvokeAsync(() => format.Instance.ValueChanged.InvokeAsync(EmailBodyFormat.Markdown));
        cut.WaitForAssertion(() => Assert.Contains("<strong>Li</strong>", cut.Find("[data-testid=preview-frame]").GetAttribute("srcdoc")));
        cut.Find("[data-testid=save]").Click();
        await App.WaitUntilAsync(db => db.Campaigns.AnyAsync(c => c.Id == id && c.Format == EmailBodyFormat.Markdown));
    }

    [Fact]
    public async Task AnotherTenantsCampaign_IsMissing_AndDuplicateOpensTheCopy()
    {
        var (api, _, _) = await SignInAsync(Roles.Marketer);
        var other = await App.CreateTenantAsync();
        var (them, _) = await App.UserAsync(Roles.Admin, other);
        var theirs = await CreateAsync(them, new { name = "Not yours", channel = "sms", content = "【Shop】Hi", recipients = new[] { "13800170201" } });

        var missing = Render<CampaignDetail>(p => p.Add(c => c.Id, theirs));
        missing.WaitForAssertion(() => missing.Find("[data-testid=campaign-missing]"));
        Assert.DoesNotContain("Not yours", missing.Markup);

        var mine = await CreateAsync(api, new { name = "Mine", channel = "sms", content = "【Shop】Hi", recipients = new[] { "13800170202" } });
        var cut = Render<CampaignDetail>(p => p.Add(c => c.Id, mine));
        cut.WaitForAssertion(() => cut.Find("[data-testid=duplicate]"));
        cut.Find("[data-testid=duplicate]").Click();
        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Matches(@"campaigns/\d+$", navigation.Uri));
        var copy = long.Parse(navigation.Uri[(navigation.Uri.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        using var db = App.Db();
        Assert.Equal(("Mine (copy)", CampaignState.Draft), await db.Campaigns.Where(c => c.Id == copy).Select(c => new ValueTuple<string, CampaignState>(c.Name, c.State)).SingleAsync());
    }
}
