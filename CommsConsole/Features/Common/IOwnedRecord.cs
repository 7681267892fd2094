namespace CommsConsole.Features.Common;

/// <summary>A record that belongs to one user of one tenant (a message, a batch), read under <see cref="Caller.Reach"/>.</summary>
public interface IOwnedRecord
{
    string TenantId { get; }
    string UserId { get; }
}
