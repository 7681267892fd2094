namespace CommsConsole.Data;

/// <summary>
/// A person a tenant keeps in its audience: reachable by phone, email or both. Unique per tenant on each address, so that
/// posting the same person again updates them. Whether they may receive marketing is not stored here: it is the absence
/// of an active <see cref="Suppression"/> of their address (one truth with the opt-out list).
/// </summary>
public class Contact : ITenantRecord
{
    public const int MaxName = 200;
    /// <summary>Longest attributes object, as JSON text.</summary>
    public const int MaxAttributesJson = 8_000;
    public const int MaxTags = 50;
    public const int MaxTag = 64;

    public long Id { get; set; }
    public required string TenantId { get; set; }
    /// <summary>The normalised phone number (<see cref="Phones"/>), or null.</summary>
    public string? Phone { get; set; }
    /// <summary>The normalised email address, lower-cased as the opt-out list keeps it, or null.</summary>
    public string? Email { get; set; }
    public string? Name { get; set; }
    /// <summary>A JSON object of strings, numbers and booleans (dates as ISO 8601 strings).</summary>
    public string Attributes { get; set; } = "{}";
    public ContactSource Source { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public required string CreatedBy { get; set; }

    public List<ContactTag> Tags { get; set; } = [];
}
