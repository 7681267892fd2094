using System.Threading.RateLimiting;

namespace CommsConsole.Features.Providers;

public sealed class ThrottleOptions
{
    /// <summary>Messages per second the provider accepts; 0 for no limit.</summary>
    public int MessagesPerSecond { get; set; }
    /// <summary>Requests in flight at once; 0 for no limit.</summary>
    public int MaxConcurrency { get; set; }
}

/// <summary>
/// Holds a provider to its rate and concurrency limits for every dispatch worker of this node: a chunk is sent in
/// slices no larger than one second's allowance, each slice waiting for its tokens, with at most
/// <see cref="ThrottleOptions.MaxConcurrency"/> requests in flight.
/// </summary>
public sealed class ThrottledProvider : IMessageProvider, IDisposable
{
    private readonly IMessageProvider _inner;
    private readonly Lazy<TokenBucketRateLimiter>? _rate;
    private readonly SemaphoreSlim? _concurrency;
    private readonly int _slice;

    public ThrottledProvider(IMessageProvider inner, ThrottleOptions options)
    {
        _inner = inner;
        if (options.MessagesPerSecond > 0)
        {
            _slice = options.MessagesPerSecond;
            var perSecond = options.MessagesPerSecond;
            // Made at the first send, empty, so that the first second is held to the rate like every other: the provider
            // itself may be made well before its first send, and the bucket would have filled meanwhile.
            _rate = new Lazy<TokenBucketRateLimiter>(() =>
            {
                var bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perSecond,
                    TokensPerPeriod = Math.Max(1, perSecond / 10),
                    ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
                    QueueLimit = int.MaxValue,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                    AutoReplenishment = true,
                });
                bucket.AttemptAcquire(perSecond);
                return bucket;
            }, LazyThreadSafetyMode.ExecutionAndPublication);
        }
        else
        {
            _slice = int.MaxValue;
        }
        if (options.MaxConcurrency > 0) _concurrency = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
    }

    public string Name => _inner.Name;
    public decimal UnitPrice => _inner.UnitPrice;
    public bool Supports(Channel channel) => _inner.Supports(channel);

    public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken ct)
    {
        var results = new List<SendResult>(messages.Count);
        foreach (var slice in messages.Chunk(_slice))
        {
            if (_rate is not null)
            {
                using var lease = await _rate.Value.AcquireAsync(slice.Length, ct);
                if (!lease.IsAcquired) throw new InvalidOperationException("rate limiter refused a lease");
            }
            if (_concurrency is not null) await _concurrency.WaitAsync(ct);
            try
            {
                results.AddRange(await _inner.SendAsync(slice, ct));
            }
            finally
            {
                _concurrency?.Release();
            }
        }
        return results;
    }

    public void Dispose()
    {
        if (_rate is { IsValueCreated: true }) _rate.Value.Dispose();
        _concurrency?.Dispose();
    }
}
