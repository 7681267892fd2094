using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Providers;

/// <summary>
/// A way out for one channel. Sends a chunk (through the provider's batch API where it has one) and
/// answers one result per message; an exception counts as a transient failure of the whole chunk.
/// </summary>
public interface IMessageProvider
{
    string Name { get; }
    /// <summary>Price of one SMS segment or one email, for estimates before sending.</summary>
    decimal UnitPrice { get; }
    bool Supports(Channel channel);
    Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken ct);
}
