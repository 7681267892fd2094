using System.Net;
using CommsConsole.Tests.Features.Providers;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Compliance;

/// <summary>Marketing email through a real SMTP peer: postal address required, footer, link and RFC 8058 headers.</summary>
public sealed class MarketingEmailTests
{
    [Fact]
    public async Task MarketingEmail_NeedsAPostalAddress_CarriesItAndTheUnsubscribeHeaders_AndTheLinkSuppressesTheNextSend()
    {
        await using var peer = await SmtpPeer.StartAsync();
        await using var app = new AppFactory(null, new Dictionary<string, string?>
        {
            ["Providers:Email"] = "smtp", ["Providers:Smtp:Host"] = "127.0.0.1", ["Providers:Smtp:Port"] = peer.Port.ToString(),
            ["Providers:Smtp:Security"] = "None", ["Providers:Smtp:FromAddress"] = "news@commsconsole.test",
        });
        await ((IAsyncLifetime)app).InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var send = new { channel = "email", subject = "Autumn sale", content = "<p>Hello, 20% off.</p>", recipients = new[] { "reader@example.com" } };

        var (refused, error) = await client.PostAsync("/communication/bulk", send);
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains("postal address", error.Str("message"));
        Assert.Contains("/settings/compliance", error.Str("message"));
        using (var db = app.Db()) Assert.False(await db.Messages.AnyAsync(m => m.TenantId == tenant));

        await app.SavePolicyAsync(tenant, p => p with { PostalAddress = "CommsConsole Ltd\n1 Example Road, Shanghai" });
        var (ok, body) = await client.PostAsync("/communication/bulk", send);
        Assert.Equal(HttpStatusCode.OK, ok);
        await app.WaitSettledAsync(body.Long("batch_id"));

        var (mail, _, _) = Assert.Single(peer.Received());
        var header = mail.Headers["List-Unsubscribe"]!;
        Assert.Matches(@"^<http://127\.0\.0\.1:\d+/u/[^>]+>$", header);
        Assert.Equal("List-Unsubscribe=One-Click", mail.Headers["List-Unsubscribe-Post"]);
        Assert.Contains("1 Example Road, Shanghai", mail.HtmlBody);
        var url = header.Trim('<', '>');
        Assert.Contains(System.Net.WebUtility.HtmlEncode(url), mail.HtmlBody);
        Assert.Contains("1 Example Road, Shanghai", mail.TextBody);

        // The mail client's one-click POST, with no cookies and no session.
        using (var anonymous = new HttpClient())
        {
            var response = await anonymous.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var (_, next) = await client.PostAsync("/communication/bulk", send);
        Assert.Equal("suppressed", next.GetProperty("items")[0].Str("status"));
        Assert.Contains("unsubscribe link", next.GetProperty("items")[0].Str("error"));

        // Transactional email needs no postal address and is not blocked by the marketing opt-out.
        var (_, receipt) = await client.PostAsync("/communication/bulk",
            new { channel = "email", purpose = "transactional", subject = "Receipt", content = "Your receipt", recipients = new[] { "reader@example.com" } });
        await app.WaitSettledAsync(receipt.Long("batch_id"));
        Assert.Equal(2, peer.Received().Count);
        var transactional = peer.Received().Single(r => r.Message.Subject == "Receipt").Message;
        Assert.Null(transactional.Headers["List-Unsubscribe"]);
    }
}
