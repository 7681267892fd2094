using System.Net;
using Bunit;
using CommsConsole.Components.Pages.Audiences;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Features.Audiences;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Components;

[Collection(AppCollection.Name)]
public sealed class AudiencePagesTests(SharedApp app) : ConsoleComponentContext(app)
{
    [Fact]
    public async Task ContactsPage_ShowsTagsAndConsent_FromTheOptOutList_AndMarkupAsText()
    {
        var (api, _, tenant) = await SignInAsync(Roles.Marketer);
        await api.UpsertContactAsync(new { phone = "13800138801", name = "<b>Bold</b>", tags = new[] { "vip" } });
        await api.UpsertContactAsync(new { email = "other@example.com", name = "Other" });
        await App.SuppressAsync(tenant, Channel.Sms, "13800138801");

        var cut = Render<Contacts>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=contact-row-name]").Count));
        var names = cut.FindAll("[data-testid=contact-row-name]");
        Assert.Contains(names, n => n.TextContent == "<b>Bold</b>");
        Assert.Empty(cut.FindAll("[data-testid=contact-grid] b"));
        Assert.Equal("vip", Assert.Single(cut.FindAll("[data-testid=contact-row-tag]")).TextContent);
        Assert.Single(cut.FindAll("[data-testid=consent-unsubscribed]"));
        Assert.Single(cut.FindAll("[data-testid=consent-subscribed]"));

        cut.Find("[data-testid=contact-search]").Change("+86 138 0013 8801");
        cut.Find("[data-testid=contact-apply]").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=contact-row-name]")));
    }

    [Fact]
    public async Task ContactPage_ShowsHistoryAndMessages_AndAnotherTenantsContactIsMissing()
    {
        var (api, _, _) = await SignInAsync(Roles.Marketer);
        var id = await api.UpsertContactAsync(new { phone = "13800138802", name = "Zhang Wei", attributes = new { city = "Hangzhou" } });
        var (sent, _) = await api.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "【Shop】Order 1", recipients = new[] { "+86 13800138802" } });
        Assert.Equal(HttpStatusCode.OK, sent);
        await api.PostAsync($"/communication/contacts/{id}/consent", new { channel = "sms", subscribed = false, how = "reply_keyword" });

        var cut = Render<ContactDetail>(p => p.Add(c => c.Id, id));

        cut.WaitForAssertion(() => Assert.Equal("Zhang Wei", cut.Find("[data-testid=contact-title]").TextContent));
        Assert.Equal("Hangzhou", cut.Find("[data-testid=contact-attribute]").TextContent);
        Assert.Single(cut.FindAll("[data-testid=consent-sms] [data-testid=consent-unsubscribed]"));
        Assert.Contains("SMS reply keyword", cut.Find("[data-testid=consent-history]").TextContent);
        cut.WaitForAssertion(() => Assert.Equal("【Shop】Order 1", cut.Find("[data-testid=contact-message-content]").TextContent));

        var other = await App.CreateTenantAsync();
        var (them, _) = await App.UserAsync(Roles.Marketer, other);
        var theirs = await them.UpsertContactAsync(new { phone = "13800138803", name = "Not yours" });
        var missing = Render<ContactDetail>(p => p.Add(c => c.Id, theirs));
        missing.WaitForAssertion(() => Assert.Contains("no contact with id", missing.Find("[data-testid=contact-missing]").TextContent));
        Assert.DoesNotContain("Not yours", missing.Markup);
    }

    [Fact]
    public async Task UnsubscribingOnTheContactPage_PutsTheNumberOnTheOptOutList()
    {
        var (api, userId, tenant) = await SignInAsync(Roles.Marketer);
        var id = await api.UpsertContactAsync(new { phone = "13800138804", email = "page@example.com" });

        var cut = Render<ContactDetail>(p => p.Add(c => c.Id, id));
        cut.WaitForAssertion(() => cut.Find("[data-testid=unsubscribe-sms]"));
        cut.Find("[data-testid=unsubscribe-sms]").Click();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=consent-sms] [data-testid=consent-unsubscribed]")));
        // A Marketer may withdraw consent but not lift an opt-out: no button to subscribe again.
        Assert.Empty(cut.FindAll("[data-testid=resubscribe-sms]"));
        await App.WaitUntilAsync(db => db.Suppressions.AnyAsync(s => s.TenantId == tenant && s.Address == "13800138804" && s.RemovedAt == null && s.CreatedBy == userId));
    }

    [Fact]
    public async Task ErasingOnTheContactPage_NamesTheContact_AndErasesOnlyWhenConfirmed()
    {
        var (api, _, tenant) = await SignInAsync(Roles.Marketer);
        var id = await api.UpsertContactAsync(new { phone = "13800138811", name = "<i>Wang Fang</i>" });
        await api.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "For Wang Fang", recipients = new[] { "13800138811" } });
        var dialogs = Render<MudBlazor.MudDialogProvider>();
        var cut = Render<ContactDetail>(p => p.Add(c => c.Id, id));
        cut.WaitForAssertion(() => cut.Find("[data-testid=contact-erase]"));

        await cut.InvokeAsync(() => cut.Find("[data-testid=contact-erase]").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("Erase <i>Wang Fang</i>?", dialogs.Find(".mud-dialog").TextContent));
        Assert.Empty(dialogs.FindAll(".mud-dialog i"));
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Cancel").Click());
        await using (var db = App.Db())
        {
            Assert.True(await db.Contacts.AnyAsync(c => c.Id == id));
        }

        await cut.InvokeAsync(() => cut.Find("[data-testid=contact-erase]").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("Wang Fang", dialogs.Markup));
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Erase").Click());
        await App.WaitUntilAsync(async db => !await db.Contacts.AnyAsync(c => c.Id == id));
        await using (var db = App.Db())
        {
            Assert.False(await db.Messages.AnyAsync(m => m.TenantId == tenant && m.Content.Contains("Wang Fang")));
            Assert.Equal(1, await db.AuditEvents.CountAsync(e => e.TenantId == tenant && e.Action == "contact.erase"));
        }
    }

    [Fact]
    public async Task ExportOnTheContactPage_DownloadsTheJson_AndAnAuditorSeesItOnTheAuditPage_ButNoEraseButton()
    {
        var (api, _, tenant) = await SignInAsync(Roles.Auditor);
        var (marketer, _) = await App.UserAsync(Roles.Marketer, tenant);
        var id = await marketer.UpsertContactAsync(new { phone = "13800138812", name = "Zhao Lei" });
        api.Dispose();
        JSInterop.SetupVoid("commsConsole.downloadFile", _ => true).SetVoidResult();
        var cut = Render<ContactDetail>(p => p.Add(c => c.Id, id));
        cut.WaitForAssertion(() => cut.Find("[data-testid=contact-export]"));
        Assert.Empty(cut.FindAll("[data-testid=contact-erase]"));

        await cut.InvokeAsync(() => cut.Find("[data-testid=contact-export]").Click());

        cut.WaitForAssertion(() => Assert.Contains(JSInterop.Invocations, i => i.Identifier == "commsConsole.downloadFile" && Equals(i.Arguments[0], $"contact-{id}.json")));
        var audit = Render<CommsConsole.Components.Pages.Audit.AuditTrail>();
        audit.WaitForAssertion(() => Assert.Equal($"contact:{id}", audit.Find("[data-testid=audit-target]").TextContent));
        Assert.Equal("Contact exported", audit.Find("[data-testid=audit-action]").TextContent);
    }

    [Fact]
    public async Task ExportButtons_OnContactsAndLists_DownloadCsv_AndAreAudited()
    {
        var (api, _, tenant) = await SignInAsync(Roles.Marketer);
        var id = await api.UpsertContactAsync(new { phone = "13800138821", name = "=cmd" });
        var list = await api.CreateListAsync("Export list");
        await api.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { id } });
        JSInterop.SetupVoid("commsConsole.downloadFile", _ => true).SetVoidResult();

        var contacts = Render<Contacts>();
        contacts.WaitForAssertion(() => Assert.Single(contacts.FindAll("[data-testid=contact-row-name]")));
        await contacts.InvokeAsync(() => contacts.Find("[data-testid=contact-export-csv]").Click());
        // Each page is waited on for its own download: a wait re-checks when the component it is on renders.
        contacts.WaitForAssertion(() => Assert.Equal(1, JSInterop.Invocations.Count(i => i.Identifier == "commsConsole.downloadFile")));
        var lists = Render<Lists>();
        lists.WaitForAssertion(() => lists.Find("[data-testid=list-export]"));
        await lists.InvokeAsync(() => lists.Find("[data-testid=list-export]").Click());

        lists.WaitForAssertion(() => Assert.Equal(2, JSInterop.Invocations.Count(i => i.Identifier == "commsConsole.downloadFile")));
        var names = JSInterop.Invocations.Where(i => i.Identifier == "commsConsole.downloadFile").Select(i => (string)i.Arguments[0]!).ToList();
        Assert.StartsWith("contacts-", names[0]);
        Assert.StartsWith($"list-{list}-", names[1]);
        await using var db = App.Db();
        Assert.Equal(2, await db.AuditEvents.CountAsync(e => e.TenantId == tenant && e.Action == "contacts.export"));
    }
}
