using CommsConsole.Data;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Compliance;

public sealed record UnsubscribeTarget(string TenantId, Channel Channel, string Address);

/// <summary>
/// Unsubscribe links: the tenant, channel and recipient sealed with ASP.NET Core Data Protection (authenticated encryption
/// under a purpose of its own, with an expiry), so a token cannot be altered, forged or guessed, and names no one in clear.
/// </summary>
public sealed class UnsubscribeLinks(IDataProtectionProvider protection, IOptions<ComplianceOptions> options, PublicUrls urls, TimeProvider clock)
{
    private const string Purpose = "CommsConsole.Compliance.Unsubscribe.v1";
    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector(Purpose).ToTimeLimitedDataProtector();

    public string Token(UnsubscribeTarget target)
    {
        var lifetime = TimeSpan.FromDays(Math.Max(30, options.Value.UnsubscribeLinkDays));
        var payload = $"{target.TenantId}\n{target.Channel.ToWire()}\n{target.Address}";
        return _protector.Protect(payload, clock.GetUtcNow() + lifetime);
    }

    public UnsubscribeTarget? Read(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 2_000) return null;
        try
        {
            var parts = _protector.Unprotect(token, out _).Split('\n');
            if (parts.Length != 3 || !Wire.TryParseChannel(parts[1], out var channel)) return null;
            return new UnsubscribeTarget(parts[0], channel, parts[2]);
        }
        catch (CryptographicException)
        {
            return null; // altered, forged, expired or sealed with keys this app no longer has
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public string Url(UnsubscribeTarget target) => urls.Absolute("u/") + Uri.EscapeDataString(Token(target));

    /// <summary>Where a preview's unsubscribe link points: the unsubscribe page, with a token that names no one.</summary>
    public string PreviewUrl => urls.Absolute("u/preview");
}

/// <summary>What the unsubscribe page is given: no caller (the token names the recipient), the links and the opt-out list.</summary>
public sealed record UnsubscribeServices(UnsubscribeLinks Links, SuppressionService Suppressions, HttpRequest Request);

/// <summary>
/// <c>/u/{token}</c>: GET shows a page that confirms and offers the button; POST unsubscribes at once, with no login, no
/// cookies, no antiforgery token and no redirect, as RFC 8058's one-click POST (<c>List-Unsubscribe=One-Click</c>) requires.
/// </summary>
public static class UnsubscribeEndpoints
{
    public static void MapUnsubscribe(this IEndpointRouteBuilder app)
    {
        app.MapGet("/u/{token}", Show).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/u/{token}", Confirm).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
    }

    public static ContentHttpResult Show(string token, [AsParameters] UnsubscribeServices services)
    {
        var target = services.Links.Read(token);
        if (target is null) return Page(StatusCodes.Status400BadRequest, "This unsubscribe link is not valid", "此退订链接无效",
            "<p>The link may have been altered or may have expired. / 链接可能已被修改或已过期。</p>");
        var action = WebUtility.HtmlEncode(services.Request.PathBase + services.Request.Path);
        return Page(StatusCodes.Status200OK, "Unsubscribe", "退订",
            $"""
            <p>Stop marketing {(target.Channel == Channel.Email ? "email" : "SMS")} to <b>{WebUtility.HtmlEncode(RecipientMask.Mask(target.Address))}</b>?<br>
            不再向 <b>{WebUtility.HtmlEncode(RecipientMask.Mask(target.Address))}</b> 发送营销{(target.Channel == Channel.Email ? "邮件" : "短信")}？</p>
            <form method="post" action="{action}">
              <input type="hidden" name="List-Unsubscribe" value="One-Click">
              <button type="submit" data-testid="unsubscribe-confirm">Unsubscribe / 退订</button>
            </form>
            """);
    }

    public static async Task<ContentHttpResult> Confirm(string token, [AsParameters] UnsubscribeServices services, CancellationToken ct)
    {
        var target = services.Links.Read(token);
        if (target is null) return Page(StatusCodes.Status400BadRequest, "This unsubscribe link is not valid", "此退订链接无效",
            "<p>The link may have been altered or may have expired. / 链接可能已被修改或已过期。</p>");
        await services.Suppressions.AddAsync(target.TenantId, target.Channel, target.Address, SuppressionReason.UnsubscribeLink, null, "unsubscribe link", ct);
        return Page(StatusCodes.Status200OK, "You are unsubscribed", "您已退订",
            $"<p data-testid=\"unsubscribed\">{WebUtility.HtmlEncode(RecipientMask.Mask(target.Address))} will receive no more marketing from this sender. / 该地址将不再收到此发件人的营销信息。</p>");
    }

    private static ContentHttpResult Page(int status, string title, string titleZh, string body) => TypedResults.Content($"""
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex"><title>{title}</title>
        <style>body{"{"}font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222{"}"}
        button{"{"}font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:4px;background:#594ae2;color:#fff;cursor:pointer{"}"}</style></head>
        <body><h1>{title} / {titleZh}</h1>{body}</body></html>
        """, "text/html; charset=utf-8", statusCode: status);
}
