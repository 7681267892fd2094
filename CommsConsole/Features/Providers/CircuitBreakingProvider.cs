using Polly;
using Polly.CircuitBreaker;

namespace CommsConsole.Features.Providers;

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
