using System.Net;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Features.Providers;
using CommsConsole.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Compliance;

[Collection(AppCollection.Name)]
public sealed class UnsubscribeLinkTests(SharedApp app)
{
    private static FormUrlEncodedContent OneClick() => new(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" });

    [Fact]
    public async Task OneClickPost_WithoutCookiesOrLogin_Unsubscribes_AndGetShowsAConfirmPage()
    {
        var tenant = await app.CreateTenantAsync();
        var links = app.Services.GetRequiredService<UnsubscribeLinks>();
        var token = links.Token(new UnsubscribeTarget(tenant, Channel.Email, "reader@example.com"));
        using var anonymous = app.Anonymous();

        var page = await anonymous.GetAsync("/u/" + Uri.EscapeDataString(token));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<form method=\"post\"", html);
        Assert.Contains("r***@example.com", html);
        using (var db = app.Db()) Assert.False(await db.Suppressions.AnyAsync(s => s.TenantId == tenant), "GET must not unsubscribe");

        var post = await anonymous.PostAsync("/u/" + Uri.EscapeDataString(token), OneClick());
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Null(post.Headers.Location);
        Assert.False(post.Headers.Contains("Set-Cookie"));
        using var after = app.Db();
        var s = await after.Suppressions.SingleAsync(x => x.TenantId == tenant);
        Assert.Equal((Channel.Email, "reader@example.com", SuppressionReason.UnsubscribeLink), (s.Channel, s.Address, s.Reason));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsync("/u/" + Uri.EscapeDataString(token), OneClick())).StatusCode);
    }

    [Fact]
    public async Task AnAlteredOrForgedToken_IsRefused_AndUnsubscribesNoOne()
    {
        var tenant = await app.CreateTenantAsync();
        var links = app.Services.GetRequiredService<UnsubscribeLinks>();
        var token = links.Token(new UnsubscribeTarget(tenant, Channel.Email, "reader@example.com"));
        var altered = token[..20] + (token[20] == 'A' ? 'B' : 'A') + token[21..];
        using var anonymous = app.Anonymous();
        foreach (var bad in new[] { altered, token[..^2], "x", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{tenant}\nemail\nvictim@example.com")) })
        {
            var response = await anonymous.PostAsync("/u/" + Uri.EscapeDataString(bad), OneClick());
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("not valid", await response.Content.ReadAsStringAsync());
        }
        using var db = app.Db();
        Assert.False(await db.Suppressions.AnyAsync(s => s.TenantId == tenant));
    }

    [Fact]
    public void ATokenStillWorksAfter30Days()
    {
        var links = app.Services.GetRequiredService<UnsubscribeLinks>();
        var protector = app.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>()
            .CreateProtector("CommsConsole.Compliance.Unsubscribe.v1");
        var token = links.Token(new UnsubscribeTarget("tnt_x", Channel.Sms, "13800139051"));
        // The time-limited payload carries its expiry; read it back through the raw protector to check the lifetime.
        var expires = protector.ToTimeLimitedDataProtector().Unprotect(token, out DateTimeOffset expiration);
        Assert.Equal("tnt_x\nsms\n13800139051", expires);
        Assert.True(expiration > DateTimeOffset.UtcNow.AddDays(30), $"expires {expiration:u}");
    }
}

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
