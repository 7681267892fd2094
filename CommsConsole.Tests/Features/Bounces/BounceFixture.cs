using System.Net;
using CommsConsole.Data;
using CommsConsole.Features.Bounces;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Testing;
using CommsConsole.Tests.Features.Providers;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Bounces;

/// <summary>
/// The app sending email through the installation's SMTP relay, a real SMTP peer (aiosmtpd), for the bounce tests; each
/// test makes its own tenant and its own POP3 mailbox (<see cref="Pop3Server"/>). The recurring mailbox job never fires,
/// so that only the tests read the mailboxes.
/// </summary>
public sealed class BounceFixture : IAsyncLifetime
{
    public SmtpPeer Peer { get; private set; } = null!;
    public AppFactory App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Peer = await SmtpPeer.StartAsync();
        App = new AppFactory(null, Settings(Peer));
        await ((IAsyncLifetime)App).InitializeAsync();
    }

    public static Dictionary<string, string?> Settings(SmtpPeer peer) => new()
    {
        ["Providers:Email"] = "smtp",
        ["Providers:Smtp:Host"] = "127.0.0.1",
        ["Providers:Smtp:Port"] = peer.Port.ToString(),
        ["Providers:Smtp:Security"] = "None",
        ["Providers:Smtp:FromAddress"] = "news@commsconsole.test",
        ["Bounces:MailboxCron"] = "0 0 31 2 *",
        ["Bounces:MaxMessageBytes"] = MaxMessageBytes.ToString(),
    };

    /// <summary>Larger mailbox messages are left unread.</summary>
    public const int MaxMessageBytes = 50_000;

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        await Peer.DisposeAsync();
    }
}

/// <summary>The bounce tests that send through the SMTP peer share one app and one peer, one test at a time.</summary>
[CollectionDefinition(Name)]
public sealed class BounceCollection : ICollectionFixture<BounceFixture>
{
    public const string Name = "bounces";
}

/// <summary>A tenant of the bounce tests: its Admin, a Marketer who sends, and its bounce mailbox.</summary>
public sealed record BounceTenant(AppFactory App, string TenantId, Caller Admin, HttpClient Marketer, Pop3Server Mailbox) : IAsyncDisposable
{
    public static async Task<BounceTenant> CreateAsync(AppFactory app, bool mailbox = true)
    {
        var tenant = await app.CreateTenantAsync();
        var (_, adminId) = await app.NewUserAsync(Roles.Admin, tenant);
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var pop = Pop3Server.Start();
        var t = new BounceTenant(app, tenant, new Caller(adminId, tenant, Roles.Admin), marketer, pop);
        if (mailbox)
        {
            var saved = await t.SaveMailboxAsync(new BounceSettingsInput("127.0.0.1", pop.Port, "None", "pop3", pop.UserName, pop.Password, true, null));
            Assert.True(saved.IsOk, saved.Error?.Message);
        }
        return t;
    }

    public async Task<Result<BounceSettingsView>> SaveMailboxAsync(BounceSettingsInput input)
    {
        using var scope = App.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<BounceSettingsService>().SaveAsync(Admin, TenantId, input, CancellationToken.None);
    }

    /// <summary>One read of the tenant's mailbox, as the recurring job makes it.</summary>
    public async Task<Result<MailboxRead?>> ReadMailboxAsync()
    {
        using var scope = App.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<BounceMailboxReader>().ReadAsync(TenantId, CancellationToken.None);
    }

    /// <summary>Sends one email to each recipient through the app's SMTP path and waits until each has its outcome.</summary>
    public async Task<(long BatchId, List<Message> Rows)> SendAsync(params string[] recipients)
    {
        var (status, body) = await Marketer.PostAsync("/communication/bulk", new
        {
            channel = "email", purpose = "transactional", subject = "Hello", content = "Dear customer, hello.", recipients,
        });
        Assert.Equal(HttpStatusCode.OK, status);
        var batchId = body.Long("batch_id");
        await App.WaitUntilAsync(async db => !await db.Messages.AnyAsync(m => m.BatchId == batchId
            && (m.Status == MessageStatus.Pending || m.Status == MessageStatus.Sending) && m.RetryCount == 0), TimeSpan.FromSeconds(120), "the batch was sent");
        using var db = App.Db();
        return (batchId, await db.Messages.AsNoTracking().Where(m => m.BatchId == batchId).OrderBy(m => m.Id).ToListAsync());
    }

    public ValueTask DisposeAsync()
    {
        Marketer.Dispose();
        return Mailbox.DisposeAsync();
    }
}

/// <summary>Delivery status notifications (RFC 3464) as mail servers write them.</summary>
public static class Dsn
{
    /// <summary>A report on the message whose Message-ID is <paramref name="messageId"/> (angle brackets or not), returning its headers.</summary>
    public static string For(string messageId, string recipient, string action, string status, string diagnostic, bool wholeMessage = false)
    {
        var id = messageId.Trim('<', '>');
        var returned = wholeMessage
            ? $"Content-Type: message/rfc822\r\n\r\nFrom: news@commsconsole.test\r\nTo: {recipient}\r\nSubject: Hello\r\nMessage-ID: <{id}>\r\n\r\nDear customer, hello.\r\n"
            : $"Content-Type: text/rfc822-headers\r\n\r\nFrom: news@commsconsole.test\r\nTo: {recipient}\r\nSubject: Hello\r\nMessage-ID: <{id}>\r\n";
        return "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n" +
               "To: bounces@commsconsole.test\r\n" +
               "Subject: Undelivered Mail Returned to Sender\r\n" +
               $"Message-ID: <{Guid.NewGuid():N}@mx.example.net>\r\n" +
               "Date: Thu, 03 Dec 2026 08:00:00 +0000\r\n" +
               "MIME-Version: 1.0\r\n" +
               "Content-Type: multipart/report; report-type=delivery-status; boundary=\"=_report\"\r\n" +
               "\r\n" +
               "--=_report\r\n" +
               "Content-Type: text/plain; charset=us-ascii\r\n" +
               "\r\n" +
               "This is the mail system at host mx.example.net. Your message could not be delivered.\r\n" +
               "\r\n" +
               "--=_report\r\n" +
               "Content-Type: message/delivery-status\r\n" +
               "\r\n" +
               "Reporting-MTA: dns; mx.example.net\r\n" +
               "Arrival-Date: Thu, 03 Dec 2026 07:59:00 +0000\r\n" +
               "\r\n" +
               $"Final-Recipient: rfc822; {recipient}\r\n" +
               $"Original-Recipient: rfc822;{recipient}\r\n" +
               $"Action: {action}\r\n" +
               $"Status: {status}\r\n" +
               $"Diagnostic-Code: smtp; {diagnostic}\r\n" +
               "\r\n" +
               "--=_report\r\n" +
               returned +
               "\r\n" +
               "--=_report--\r\n";
    }

    public static string Hard(Message m, bool wholeMessage = false) =>
        For(m.ThirdPartyId!, m.Recipient, "failed", "5.1.1", "550 5.1.1 <" + m.Recipient + ">: Recipient address rejected: User unknown", wholeMessage);

    public static string Soft(Message m) => For(m.ThirdPartyId!, m.Recipient, "delayed", "4.2.2", "452 4.2.2 Mailbox full");

    public static string Delivered(Message m) => For(m.ThirdPartyId!, m.Recipient, "delivered", "2.0.0", "250 2.0.0 OK");

    /// <summary>Ordinary mail, quoting a message's Message-ID as a reply would.</summary>
    public static string NotAReport(Message m) =>
        "From: Someone <someone@example.org>\r\nTo: bounces@commsconsole.test\r\nSubject: Re: Hello\r\n" +
        $"Message-ID: <{Guid.NewGuid():N}@example.org>\r\nIn-Reply-To: {m.ThirdPartyId}\r\nReferences: {m.ThirdPartyId}\r\n" +
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAction: failed\r\nStatus: 5.1.1\r\nPlease unsubscribe me.\r\n";
}
