using CommsConsole.Data;
using CommsConsole.Features.Bounces;
using CommsConsole.Features.Messaging;
using CommsConsole.Testing;
using CommsConsole.Tests.Features.Batches;
using CommsConsole.Tests.Features.Providers;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Bounces;

/// <summary>Bounces learned in the SMTP conversation, and bounce mailboxes under the network target rule.</summary>
public sealed class SmtpAndGuardBounceTests(BounceFixture fixture) : IClassFixture<BounceFixture>
{
    [Fact]
    public async Task RecipientRefusedBySmtp_IsAHardBounce_AndADeferralASoftOne_EachRecordedOnce()
    {
        await using var t = await BounceTenant.CreateAsync(fixture.App, mailbox: false);
        var (batchId, rows) = await t.SendAsync(SmtpPeer.RefusedRecipient, SmtpPeer.DeferredRecipient, "fine@example.com");

        // The deferred message is retried (each time deferred again) until it gives up: still one soft bounce.
        await fixture.App.WaitUntilAsync(async db => await db.Messages.CountAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Failed) == 2
            && await db.Bounces.CountAsync(b => b.BatchId == batchId) == 2, TimeSpan.FromSeconds(120), "both bounced and failed");
        using var db = fixture.App.Db();
        var bounces = await db.Bounces.Where(b => b.BatchId == batchId).OrderBy(b => b.MessageId).ToListAsync();
        Assert.Equal((rows[0].Id, BounceKind.Hard, "5.1.1", BounceSource.Smtp, SmtpPeer.RefusedRecipient),
            (bounces[0].MessageId, bounces[0].Kind, bounces[0].Status, bounces[0].Source, bounces[0].Recipient));
        Assert.Equal((rows[1].Id, BounceKind.Soft, "4.7.1", BounceSource.Smtp), (bounces[1].MessageId, bounces[1].Kind, bounces[1].Status, bounces[1].Source));
        Assert.Contains("Recipient address rejected", bounces[0].Reason);

        // The refused address is suppressed; one deferral is not a streak.
        var suppressed = await db.Suppressions.Where(s => s.TenantId == t.TenantId).ToListAsync();
        var s = Assert.Single(suppressed);
        Assert.Equal((SmtpPeer.RefusedRecipient, SuppressionReason.Bounce), (s.Address, s.Reason));
        await BatchRowCounts.AssertMatchRowsAsync(db, [batchId], "the SMTP bounces");

        using var scope = fixture.App.Services.CreateScope();
        var figures = await scope.ServiceProvider.GetRequiredService<BounceService>().FiguresAsync(batchId, CancellationToken.None);
        Assert.Equal((1, 1, 2), (figures.Hard, figures.Soft, figures.Bounced));
    }

    [Fact]
    public async Task MailboxOnLoopback_IsRefused_UnlessTheInstallationAllowsPrivateTargets()
    {
        // The app as installed: tenants' destinations may not reach the server's own networks.
        await using var guarded = new AppFactory(null, new Dictionary<string, string?>
        {
            ["Security:AllowPrivateNetworkTargets"] = "false",
            ["Bounces:MailboxCron"] = "0 0 31 2 *",
        });
        await ((IAsyncLifetime)guarded).InitializeAsync();
        await using var t = await BounceTenant.CreateAsync(guarded, mailbox: false);
        t.Mailbox.Add("dsn", Dsn.For("<1.00@x.example>", "a@example.com", "failed", "5.1.1", "550"));

        foreach (var host in new[] { "127.0.0.1", "localhost", "::ffff:127.0.0.1", "10.0.0.8", "169.254.169.254" })
        {
            var refused = await t.SaveMailboxAsync(new BounceSettingsInput(host, t.Mailbox.Port, "None", "pop3", t.Mailbox.UserName, t.Mailbox.Password, true, null));
            Assert.Equal("mailbox_host", refused.Error?.Text.Field);
            Assert.Contains("refused", refused.Error!.Message);
        }
        using (var db = guarded.Db())
            Assert.False(await db.BounceSettings.AnyAsync(s => s.TenantId == t.TenantId));

        // A mailbox saved while its name resolved outside (here written directly) is still refused at the connection.
        using (var db = guarded.Db())
        {
            db.BounceSettings.Add(new BounceSettings { TenantId = t.TenantId, Host = "127.0.0.1", Port = t.Mailbox.Port, Security = "None", Protocol = "pop3", Enabled = true });
            await db.SaveChangesAsync();
        }
        var read = await t.ReadMailboxAsync();
        Assert.False(read.IsOk);
        Assert.StartsWith("mailbox_host: refused", read.Error!.Message);
        Assert.Equal(0, t.Mailbox.SignIns);
        Assert.Equal(["dsn"], t.Mailbox.Messages());
        using var after = guarded.Db();
        var settings = await after.BounceSettings.SingleAsync(s => s.TenantId == t.TenantId);
        Assert.StartsWith("mailbox_host: refused", settings.LastError);
        Assert.Null(settings.LeaseId);
    }
}
