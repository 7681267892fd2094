namespace CommsConsole.Data;

/// <summary>A tenant's named, static list of contacts; a contact may be in many.</summary>
public class ContactList : ITenantRecord
{
    public const int MaxName = 100;

    public long Id { get; set; }
    public required string TenantId { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public required string CreatedBy { get; set; }
}
