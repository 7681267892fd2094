using Bunit;
using CommsConsole.Components.Pages.Batches;
using CommsConsole.Components.Pages.Settings;
using CommsConsole.Data;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Testing;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Components;

[Collection(AppCollection.Name)]
public sealed class BounceSettingsPageTests(SharedApp app) : ConsoleComponentContext(app)
{
    [Fact]
    public async Task Admin_SavesTheMailbox_ThePasswordIsShownMasked_AndTheLastReadIsShown()
    {
        var (_, _, tenant) = await SignInAsync(Roles.Admin);
        await using var pop = Pop3Server.Start();

        var cut = Render<BounceSettingsPage>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=mailbox-host]")));
        Assert.Contains("Never read yet", cut.Find("[data-testid=mailbox-status]").TextContent);

        cut.Find("[data-testid=mailbox-host]").Change("127.0.0.1");
        cut.Find("[data-testid=mailbox-port]").Change(pop.Port.ToString());
        cut.Find("[data-testid=mailbox-user]").Change(pop.UserName);
        cut.Find("[data-testid=mailbox-password]").Change(pop.Password);
        cut.Find("[data-testid=soft-bounce-limit]").Change("4");
        cut.Find("[data-testid=save-bounces]").Click();

        await App.WaitUntilAsync(async db => await db.BounceSettings.AnyAsync(s => s.TenantId == tenant && s.Host == "127.0.0.1"));
        using var db = App.Db();
        var saved = await db.BounceSettings.SingleAsync(s => s.TenantId == tenant);
        Assert.Equal((pop.Port, "pop3", pop.UserName, 4, false), (saved.Port, saved.Protocol, saved.UserName, saved.SoftBounceLimit, saved.Enabled));
        Assert.DoesNotContain(pop.Password, saved.ProtectedPassword);
        cut.WaitForAssertion(() => Assert.Contains("••••0rd!", cut.Markup));
        Assert.DoesNotContain(pop.Password, cut.Markup);
    }

    [Fact]
    public async Task EmailBatchPage_ShowsItsBouncesAndTheMessagesBehindThem()
    {
        var (api, userId, tenant) = await SignInAsync(Roles.Admin);
        var (_, body) = await api.PostAsync("/communication/bulk", new
        {
            channel = "email", purpose = "transactional", subject = "Hi", content = "Hello", recipients = new[] { "a@example.com", "b@example.com" },
        });
        var batch = body.Long("batch_id");
        await App.WaitUntilAsync(async db => await db.Messages.CountAsync(m => m.BatchId == batch && m.Status == MessageStatus.Sent) == 2);
        await using (var db = App.Db())
        {
            var ids = await db.Messages.Where(m => m.BatchId == batch).OrderBy(m => m.Id).Select(m => m.Id).ToListAsync();
            db.Bounces.Add(new Bounce { TenantId = tenant, UserId = userId, MessageId = ids[0], BatchId = batch, Recipient = "a@example.com", Kind = BounceKind.Hard,
                Status = "5.1.1", Reason = "<b>user unknown</b>", Source = BounceSource.Mailbox, At = DateTimeOffset.UtcNow });
            db.Bounces.Add(new Bounce { TenantId = tenant, UserId = userId, MessageId = ids[1], BatchId = batch, Recipient = "b@example.com", Kind = BounceKind.Soft,
                Status = "4.2.2", Reason = "mailbox full", Source = BounceSource.Smtp, At = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        var cut = Render<BatchDetail>(p => p.Add(c => c.Id, batch));

        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=count-hard-bounces]").TextContent));
        Assert.Equal(("1", "2"), (cut.Find("[data-testid=count-soft-bounces]").TextContent, cut.Find("[data-testid=count-bounced]").TextContent));
        var list = cut.Find("[data-testid=bounce-list]");
        Assert.Contains("a@example.com", list.TextContent);
        Assert.Contains("&lt;b&gt;user unknown&lt;/b&gt;", list.InnerHtml);
    }
}
