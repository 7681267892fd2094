using CommsConsole.Data;
using CommsConsole.Features.Bounces;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Bounces;

/// <summary>
/// The app as installed: tenants' destinations may not reach the server's own networks. A class fixture, so that no app
/// of this process is stopped while another test's app still runs its jobs.
/// </summary>
public sealed class GuardedBounceApp() : AppFactory(null, new Dictionary<string, string?>
{
    ["Security:AllowPrivateNetworkTargets"] = "false",
    ["Bounces:MailboxCron"] = "0 0 31 2 *",
});

/// <summary>Bounce mailboxes under the network target rule.</summary>
public sealed class BounceMailboxGuardTests(GuardedBounceApp guarded) : IClassFixture<GuardedBounceApp>
{
    [Fact]
    public async Task MailboxOnLoopback_IsRefused_UnlessTheInstallationAllowsPrivateTargets()
    {
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
