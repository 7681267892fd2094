using System.Globalization;
using System.Threading.RateLimiting;
using CommsConsole.Features.Api;
using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.RateLimiting;

namespace CommsConsole.Features.Compliance;

/// <summary>
/// Request rate limits on the send endpoints (those carrying <see cref="Marker"/>), per tenant and per user, with ASP.NET
/// Core's rate limiter: a fixed window of one minute for each, chained so that a request needs a permit from both.
/// Over either limit the answer is 429 in the family's envelope with <c>Retry-After</c>.
/// </summary>
public static class SendRateLimit
{
    public sealed class SendEndpoint;

    /// <summary>Endpoint metadata that puts an endpoint under the send limits.</summary>
    public static readonly SendEndpoint Marker = new();

    public static void AddSendRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection(ComplianceOptions.Section + ":RateLimits").Get<RateLimitSettings>() ?? new RateLimitSettings();
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                Partitioned("tenant", limits.PerTenantPerMinute, caller => caller.TenantId),
                Partitioned("user", limits.PerUserPerMinute, caller => caller.UserId));
            options.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 60;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ApiEnvelope.WriteErrorAsync(http, StatusCodes.Status429TooManyRequests,
                    $"too many send requests: the limit is {limits.PerTenantPerMinute} a minute per tenant and {limits.PerUserPerMinute} a minute per user; retry after {seconds} s");
            };
        });
    }

    private static PartitionedRateLimiter<HttpContext> Partitioned(string scope, int perMinute, Func<Caller, string> key) =>
        PartitionedRateLimiter.Create<HttpContext, string>(http =>
        {
            var caller = http.GetEndpoint()?.Metadata.GetMetadata<SendEndpoint>() is null ? null : Caller.From(http.User);
            if (caller is null || perMinute <= 0) return RateLimitPartition.GetNoLimiter("");
            return RateLimitPartition.GetFixedWindowLimiter(scope + ":" + key(caller), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = perMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });
}
