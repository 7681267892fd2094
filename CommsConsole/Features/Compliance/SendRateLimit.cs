using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Compliance;

/// <summary>
/// The send rate limits, per tenant and per user: a fixed window of one minute for each, chained so that a send needs a
/// permit from both. The messaging service asks it for every send, retry and resend, so the console and both API faces
/// share one budget per user; over either limit the send is refused with <see cref="ErrorKind.TooManyRequests"/> and
/// the time to wait, which the API faces answer as 429 with <c>Retry-After</c>.
/// </summary>
public sealed class SendRateLimit : IDisposable
{
    private readonly RateLimitSettings _limits;
    private readonly PartitionedRateLimiter<Caller> _limiter;

    public SendRateLimit(IOptions<ComplianceOptions> options)
    {
        _limits = options.Value.RateLimits;
        _limiter = PartitionedRateLimiter.CreateChained(
            Partitioned("tenant", _limits.PerTenantPerMinute, caller => caller.TenantId),
            Partitioned("user", _limits.PerUserPerMinute, caller => caller.UserId));
    }

    /// <summary>Takes one send's permit for the caller, or says why it cannot be sent now.</summary>
    public AppError? TryAcquire(Caller caller)
    {
        using var lease = _limiter.AttemptAcquire(caller);
        if (lease.IsAcquired) return null;
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        return AppError.TooManyRequests(
            $"too many send requests: the limit is {_limits.PerTenantPerMinute} a minute per tenant and {_limits.PerUserPerMinute} a minute per user; retry after {seconds} s",
            TimeSpan.FromSeconds(seconds));
    }

    private static PartitionedRateLimiter<Caller> Partitioned(string scope, int perMinute, Func<Caller, string> key) =>
        PartitionedRateLimiter.Create<Caller, string>(caller =>
        {
            if (perMinute <= 0) return RateLimitPartition.GetNoLimiter("");
            return RateLimitPartition.GetFixedWindowLimiter(scope + ":" + key(caller), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = perMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });

    public void Dispose() => _limiter.Dispose();
}
