using Polly;
using Polly.CircuitBreaker;

namespace CommsConsole.Features.Providers;

/// <summary>When a provider counts as failing: the circuit breaker of each tenant's primary provider.</summary>
public sealed class CircuitOptions
{
    public const string Section = "Providers:Circuit";
    /// <summary>Share of failed chunks within <see cref="SamplingSeconds"/> that opens the circuit.</summary>
    public double FailureRatio { get; set; } = 0.5;
    /// <summary>Chunks sent within <see cref="SamplingSeconds"/> before the ratio counts.</summary>
    public int MinimumThroughput { get; set; } = 4;
    public double SamplingSeconds { get; set; } = 60;
    /// <summary>How long the circuit stays open before one chunk tries the primary again.</summary>
    public double BreakSeconds { get; set; } = 30;
}

/// <summary>
/// A circuit breaker (Polly) around a provider: a chunk that throws, or whose every message failed transiently,
/// counts as a failure; once open, chunks are refused with <see cref="BrokenCircuitException"/> without reaching the
/// provider until the break ends.
/// </summary>
public sealed class CircuitBreakingProvider : IMessageProvider
{
    private readonly IMessageProvider _inner;
    private readonly ResiliencePipeline<IReadOnlyList<SendResult>> _pipeline;
    private readonly CircuitBreakerStateProvider _state = new();

    public CircuitBreakingProvider(IMessageProvider inner, CircuitOptions options, TimeProvider clock)
    {
        _inner = inner;
        _pipeline = new ResiliencePipelineBuilder<IReadOnlyList<SendResult>> { TimeProvider = clock }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<IReadOnlyList<SendResult>>
            {
                FailureRatio = Math.Clamp(options.FailureRatio, 0.01, 1),
                MinimumThroughput = Math.Max(2, options.MinimumThroughput),
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(0.5, options.SamplingSeconds)),
                BreakDuration = TimeSpan.FromSeconds(Math.Max(0.5, options.BreakSeconds)),
                StateProvider = _state,
                ShouldHandle = new PredicateBuilder<IReadOnlyList<SendResult>>()
                    .Handle<Exception>(ex => ex is not OperationCanceledException)
                    .HandleResult(results => results.Count > 0 && results.All(r => r.Kind == SendResultKind.TransientFailure)),
            })
            .Build();
    }

    public CircuitState State => _state.CircuitState;
    public IMessageProvider Inner => _inner;
    public string Name => _inner.Name;
    public decimal UnitPrice => _inner.UnitPrice;
    public bool Supports(Channel channel) => _inner.Supports(channel);

    public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken ct) =>
        await _pipeline.ExecuteAsync(static async (state, token) => await state.Inner.SendAsync(state.Messages, token), (Inner: _inner, Messages: messages), ct);
}

/// <summary>
/// A tenant's primary provider with a fallback: while the primary's circuit is open (here or in its HTTP pipeline),
/// chunks go to the fallback, and each result names the provider that carried it.
/// </summary>
public sealed class FailoverProvider(IMessageProvider primary, IMessageProvider fallback, ILogger logger) : IMessageProvider
{
    public IMessageProvider Primary => primary;
    public IMessageProvider Fallback => fallback;
    public string Name => primary.Name;
    public decimal UnitPrice => primary.UnitPrice;
    public bool Supports(Channel channel) => primary.Supports(channel);

    public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken ct)
    {
        try
        {
            return Named(await primary.SendAsync(messages, ct), primary.Name);
        }
        catch (BrokenCircuitException ex)
        {
            logger.LogWarning("Provider {Primary} is failing ({Reason}); {Count} messages go to {Fallback}", primary.Name, ex.Message, messages.Count, fallback.Name);
            return Named(await fallback.SendAsync(messages, ct), fallback.Name);
        }
    }

    private static IReadOnlyList<SendResult> Named(IReadOnlyList<SendResult> results, string provider) =>
        results.Select(r => r.Provider is null ? r with { Provider = provider } : r).ToList();
}

/// <summary>The HTTP pipeline of providers reached over HTTP (SUBMAIL): a timeout per request and a circuit breaker per host.</summary>
public sealed class ProviderHttpOptions
{
    public const string Section = "Providers:Http";
    public double TimeoutSeconds { get; set; } = 30;
    public double CircuitFailureRatio { get; set; } = 0.5;
    public int CircuitMinimumThroughput { get; set; } = 10;
    public double CircuitSamplingSeconds { get; set; } = 60;
    public double CircuitBreakSeconds { get; set; } = 30;
}
