namespace CommsConsole.Data;

/// <summary>A word an Admin has ruled out of a tenant's messages.</summary>
public class SensitiveWord
{
    public const int MaxLength = 50;

    public long Id { get; set; }
    public required string TenantId { get; set; }
    public required string Word { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? CreatedBy { get; set; }
}
