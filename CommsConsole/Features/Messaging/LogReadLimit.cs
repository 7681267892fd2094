using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace CommsConsole.Features.Messaging;

/// <summary>
/// A bulkhead for log queries over the API: at most <see cref="LogReadOptions.Concurrency"/> run at once, the rest wait
/// their turn in arrival order. Each query is short, but forty of them at once take every core, and a send arriving then
/// (parsing, rendering and writing thousands of rows) got a fortieth of the machine; queued, the readers keep their
/// throughput and the send its share. The console's log page calls the service directly and is not queued.
/// </summary>
public static class LogReadLimit
{
    public const string Policy = "log-reads";

    public static void AddLogReadLimit(this IServiceCollection services)
    {
        services.AddOptions<LogReadOptions>().BindConfiguration(LogReadOptions.Section);
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            limiter.OnRejected = (context, _) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "1";
                return ValueTask.CompletedTask;
            };
            limiter.AddPolicy(Policy, context =>
            {
                var o = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<LogReadOptions>>().Value;
                return o.Concurrency <= 0
                    ? RateLimitPartition.GetNoLimiter("all")
                    : RateLimitPartition.GetConcurrencyLimiter("all", _ => new ConcurrencyLimiterOptions
                    {
                        PermitLimit = o.Concurrency,
                        QueueLimit = o.QueueLimit,
                        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                    });
            });
        });
    }
}

/// <summary>Settings of <see cref="LogReadLimit"/> (section <c>Messaging:LogReads</c>).</summary>
public sealed class LogReadOptions
{
    public const string Section = "Messaging:LogReads";

    /// <summary>Log queries run at once; 0 turns the limit off. Twice the cores by default.</summary>
    public int Concurrency { get; set; } = 2 * Environment.ProcessorCount;

    /// <summary>Log queries waiting beyond those; more are refused with 503 and <c>Retry-After</c>.</summary>
    public int QueueLimit { get; set; } = 1_000;
}
