using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using CommsConsole.Data;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace CommsConsole.Features.Tracking;

/// <summary>What the tracking endpoints are given: no caller (the token names the message), the links and the recorder.</summary>
public sealed record TrackingServices(TrackingLinks Links, EngagementRecorder Recorder, HttpContext Http);

/// <summary>
/// <c>/o/{token}</c> answers the open pixel (a 1×1 transparent GIF that no cache keeps) and <c>/r/{token}</c> redirects to
/// the link at the token's position in the message's own content. Anonymous, rate limited per client address, and
/// anything not ours (an altered or forged token, a position the message has no link at, a purged or erased message)
/// answers the same plain 404, never a redirect, and says nothing of whether the message exists.
/// </summary>
public static class TrackingEndpoints
{
    public const string RateLimitPolicy = "tracking";

    /// <summary>The smallest transparent GIF: 1×1, one transparent colour.</summary>
    private static readonly byte[] Pixel = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    public static void MapTrackingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/o/{token}", [HttpMethods.Get, HttpMethods.Head], Open)
            .AllowAnonymous().DisableAntiforgery().RequireRateLimiting(RateLimitPolicy).ExcludeFromDescription();
        app.MapMethods("/r/{token}", [HttpMethods.Get, HttpMethods.Head], Click)
            .AllowAnonymous().DisableAntiforgery().RequireRateLimiting(RateLimitPolicy).ExcludeFromDescription();
    }

    public static async Task<IResult> Open(string token, [AsParameters] TrackingServices services, CancellationToken ct)
    {
        NoStore(services.Http);
        if (services.Links.Read(EngagementKind.Open, token) is not { } target) return NotFound();
        var request = services.Http.Request;
        if (!await services.Recorder.OpenAsync(target, request.Headers.UserAgent.ToString(), HttpMethods.IsHead(request.Method), ct)) return NotFound();
        return TypedResults.File(Pixel, "image/gif");
    }

    public static async Task<IResult> Click(string token, [AsParameters] TrackingServices services, CancellationToken ct)
    {
        NoStore(services.Http);
        if (services.Links.Read(EngagementKind.Click, token) is not { } target) return NotFound();
        var request = services.Http.Request;
        var location = await services.Recorder.ClickAsync(target, request.Headers.UserAgent.ToString(), HttpMethods.IsHead(request.Method), ct);
        if (location is null) return NotFound();
        // The destination learns nothing of the token it was reached through.
        services.Http.Response.Headers["Referrer-Policy"] = "no-referrer";
        return TypedResults.Redirect(location);
    }

    /// <summary>Every hit reaches the app: no browser, proxy or mail client may answer it from a cache.</summary>
    private static void NoStore(HttpContext http)
    {
        http.Response.Headers.CacheControl = "no-store, no-cache, must-revalidate, private, max-age=0";
        http.Response.Headers.Pragma = "no-cache";
        http.Response.Headers.Expires = "0";
        http.Response.Headers["X-Robots-Tag"] = "noindex, nofollow";
    }

    /// <summary>The one answer for anything not ours; with a body, so that no error page is rendered in its place.</summary>
    private static IResult NotFound() => TypedResults.Text("Not found.", "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
}

/// <summary>
/// The tracking endpoints' limit in the app's rate limiter: <see cref="TrackingOptions.RequestsPerMinutePerAddress"/> per
/// client address (an IPv6 client by its /64, which one host can hop within), answered 429 with <c>Retry-After</c>.
/// </summary>
public sealed class TrackingRateLimitPolicy(IOptions<TrackingOptions> options) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (context, ct) =>
    {
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 60;
        response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        response.ContentType = "text/plain; charset=utf-8";
        await response.WriteAsync("Too many requests.", ct);
    };

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        var perMinute = options.Value.RequestsPerMinutePerAddress;
        if (perMinute <= 0) return RateLimitPartition.GetNoLimiter("all");
        return RateLimitPartition.GetFixedWindowLimiter(ClientKey(httpContext.Connection.RemoteIpAddress), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }

    internal static string ClientKey(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        return Convert.ToHexString(bytes, 0, 8) + "::/64";
    }
}
