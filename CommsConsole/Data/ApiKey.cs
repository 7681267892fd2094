namespace CommsConsole.Data;

/// <summary>
/// A credential for the REST API that is not a person's password: it acts as its owner, with the owner's current role
/// (narrowed by <see cref="Scopes"/> when set). Only a hash of the key is kept; the key itself is shown once.
/// Revoking deletes the row, so a revoked key is simply unknown.
/// </summary>
public class ApiKey : ITenantRecord
{
    public const int MaxName = 100;

    public long Id { get; set; }
    /// <summary>The owner's tenant, for scoping lists; the key acts in whatever tenant its owner is in when used.</summary>
    public required string TenantId { get; set; }
    /// <summary>The user the key acts as.</summary>
    public required string UserId { get; set; }
    /// <summary>Who created it: the owner, or an Admin for one of the tenant's Integrators.</summary>
    public required string CreatedBy { get; set; }
    public required string Name { get; set; }
    /// <summary>The public part of the key (<c>cc_&lt;prefix&gt;_…</c>): how a key is found and how lists show it.</summary>
    public required string Prefix { get; set; }
    /// <summary>SHA-256 of the whole key.</summary>
    public required byte[] Hash { get; set; }
    /// <summary>Space-separated scopes (<c>read</c>, <c>send</c>); null when the key may do all its owner may.</summary>
    public string? Scopes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
}
