using Polly.CircuitBreaker;

namespace CommsConsole.Features.Providers;

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
