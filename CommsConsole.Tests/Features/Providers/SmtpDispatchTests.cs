using System.Net;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Providers;

/// <summary>Configured as the email provider, SMTP delivers what dispatch sends to a real SMTP peer.</summary>
public sealed class SmtpDispatchTests
{
    [Fact]
    public async Task BulkEmail_ThroughSmtp_ArrivesAtThePeer_AndARefusedRecipientFailsAlone()
    {
        await using var peer = await SmtpPeer.StartAsync();
        await using var app = new AppFactory(null, new Dictionary<string, string?>
        {
            ["Providers:Email"] = "smtp",
            ["Providers:Smtp:Host"] = "127.0.0.1",
            ["Providers:Smtp:Port"] = peer.Port.ToString(),
            ["Providers:Smtp:Security"] = "None",
            ["Providers:Smtp:FromAddress"] = "news@commsconsole.test",
            ["Providers:Smtp:FromName"] = "CommsConsole",
        });
        await ((IAsyncLifetime)app).InitializeAsync();
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
}
