namespace CommsConsole.Features.Providers;

/// <summary>Chooses the provider that carries a tenant's messages on a channel.</summary>
public interface IProviderResolver
{
    ValueTask<IMessageProvider> ResolveAsync(string tenantId, Channel channel, CancellationToken ct);
}
