using CommsConsole.Features.Messaging;

namespace CommsConsole.Features.Providers;

/// <summary>What a provider is given to send: ids and the rendered row, never a template.</summary>
public sealed record OutboundMessage(long Id, long BatchId, string TenantId, Channel Channel, string Recipient, string? Subject, string Content, int Segments);

public enum SendResultKind { Sent, TransientFailure, PermanentFailure }

public sealed record SendResult(long MessageId, SendResultKind Kind, string? ThirdPartyId = null, string? ThirdPartyStatus = null,
    string? Response = null, string? Error = null, decimal Cost = 0m)
{
    public static SendResult Transient(long id, string error, string? response = null) => new(id, SendResultKind.TransientFailure, Error: error, Response: response);
    public static SendResult Permanent(long id, string error, string? response = null) => new(id, SendResultKind.PermanentFailure, Error: error, Response: response);
}

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

/// <summary>Chooses the provider that carries a tenant's messages on a channel.</summary>
public interface IProviderResolver
{
    IMessageProvider Resolve(string tenantId, Channel channel);
}

/// <summary>Until tenants configure real providers, every channel goes through the simulated one.</summary>
public sealed class DefaultProviderResolver(SimulatedProvider simulated) : IProviderResolver
{
    public IMessageProvider Resolve(string tenantId, Channel channel) => simulated;
}
