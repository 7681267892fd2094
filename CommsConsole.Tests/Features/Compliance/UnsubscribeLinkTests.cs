using CommsConsole.Data;
using System.Net;
using CommsConsole.Features.Compliance;
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
