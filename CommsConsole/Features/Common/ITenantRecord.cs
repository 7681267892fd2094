namespace CommsConsole.Features.Common;

/// <summary>A record that belongs to a tenant as a whole rather than to one user (a contact, a list).</summary>
public interface ITenantRecord
{
    string TenantId { get; }
}
