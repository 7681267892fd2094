using System.Net;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Providers;

/// <summary>Configured as the email provider, SMTP delivers what dispatch sends to a real SMTP peer.</summary>
public sealed class SmtpDispatchTests
{
    /// <summary>The app with SMTP to <paramref name="peer"/> as the installation's email provider (and a postal address for marketing).</summary>
    internal static async Task<AppFactory> StartAppAsync(SmtpPeer peer)
    {
        var app = new AppFactory(null, new Dictionary<string, string?>
        {
            ["Providers:Email"] = "smtp",
            ["Providers:Smtp:Host"] = "127.0.0.1",
            ["Providers:Smtp:Port"] = peer.Port.ToString(),
            ["Providers:Smtp:Security"] = "None",
            ["Providers:Smtp:FromAddress"] = "news@commsconsole.test",
            ["Providers:Smtp:FromName"] = "CommsConsole",
            ["Compliance:Defaults:PostalAddress"] = "1 Example Road",
        });
        await ((IAsyncLifetime)app).InitializeAsync();
        return app;
    }

    [Fact]
    public async Task BulkEmail_ThroughSmtp_ArrivesAtThePeer_AndARefusedRecipientFailsAlone()
    {
        await using var peer = await SmtpPeer.StartAsync();
        await using var app = await StartAppAsync(peer);
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);

        var (status, body) = await client.PostAsync("/communication/bulk", new
        {
            channel = "email", purpose = "transactional", subject = "你好 {{ name }}", content = "<p>Dear {{ name }}, welcome.</p>", variables = new { name = "Li" },
            recipients = new[] { "alice@example.com", SmtpPeer.RefusedRecipient },
        });
        Assert.Equal(HttpStatusCode.OK, status);
        var batchId = body.Long("batch_id");
        await app.WaitUntilAsync(async db => !await db.Messages.AnyAsync(m => m.BatchId == batchId && (m.Status == MessageStatus.Pending || m.Status == MessageStatus.Sending)));

        var received = Assert.Single(peer.Received());
        Assert.Equal(["alice@example.com"], received.RcptTo);
        Assert.Equal("你好 Li", received.Message.Subject);
        Assert.Contains("Dear Li, welcome.", received.Message.HtmlBody);
        using var db = app.Db();
        var rows = await db.Messages.Where(m => m.BatchId == batchId).OrderBy(m => m.Recipient).ToListAsync();
        Assert.Equal((MessageStatus.Sent, "smtp"), (rows[0].Status, rows[0].Provider));
        Assert.Equal(received.Message.MessageId, rows[0].ThirdPartyId?.Trim('<', '>'));
        Assert.Equal(MessageStatus.Failed, rows[1].Status);
    }

    [Fact]
    public async Task EmailType_IsDecidedByTheTemplate_NeverByAVariableValue()
    {
        await using var peer = await SmtpPeer.StartAsync();
        await using var app = await StartAppAsync(peer);
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        const string value = "<p><a href=\"http://evil.example\">x</a></p>";

        async Task<MimeKit.MimeMessage> SendAsync(string recipient, string content, string purpose)
        {
            var (status, body) = await client.PostAsync("/communication/bulk", new
            {
                channel = "email", purpose, subject = "Hi", content, variables = new { name = value }, recipients = new[] { recipient },
            });
            Assert.Equal(HttpStatusCode.OK, status);
            var batchId = body.Long("batch_id");
            await app.WaitUntilAsync(async db => await db.Messages.AnyAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Sent), because: "the email was sent");
            return peer.Received().Single(r => r.RcptTo.Contains(recipient)).Message;
        }

        // A plain-text template stays plain text, the value literally; marketing adds its footer and link as text too.
        foreach (var (recipient, purpose) in new[] { ("plain@example.com", "transactional"), ("plain.marketing@example.com", "marketing") })
        {
            var plain = await SendAsync(recipient, "Dear {{ name }}", purpose);
            Assert.Null(plain.HtmlBody);
            Assert.Equal("text/plain", plain.Body!.ContentType.MimeType);
            Assert.Contains("Dear " + value, plain.TextBody);
        }

        // An HTML template is HTML: the value encoded (text, once sanitised: quotes need no escaping there), the template's own tags kept.
        var html = await SendAsync("html@example.com", "<p>Dear <b>{{ name }}</b></p>", "transactional");
        Assert.Contains("<p>Dear <b>&lt;p&gt;&lt;a href=\"http://evil.example\"&gt;x&lt;/a&gt;&lt;/p&gt;</b></p>", html.HtmlBody);
        Assert.DoesNotContain("<a href", html.HtmlBody);
    }
}
