using System.Threading.RateLimiting;

namespace CommsConsole.Features.Tenancy;

/// <summary>
/// How many password-reset and confirmation emails an account may be sent an hour (<c>Security:AccountEmailsPerHour</c>).
/// Anyone who knows an address can ask for them, so without a bound one page posted in a loop mails that person without
/// end at the installation's expense. Kept per node, in memory.
/// </summary>
public sealed class AccountEmailLimit : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public AccountEmailLimit(Microsoft.Extensions.Options.IOptions<AccountSessionOptions> options)
    {
        var perHour = options.Value.AccountEmailsPerHour;
        _limiter = PartitionedRateLimiter.Create<string, string>(userId => perHour <= 0
            ? RateLimitPartition.GetNoLimiter("")
            : RateLimitPartition.GetFixedWindowLimiter(userId, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = perHour, Window = TimeSpan.FromHours(1), QueueLimit = 0, AutoReplenishment = true,
            }));
    }

    public bool TryTake(string userId)
    {
        using var lease = _limiter.AttemptAcquire(userId);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
