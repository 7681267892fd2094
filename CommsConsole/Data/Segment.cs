namespace CommsConsole.Data;

/// <summary>
/// A tenant's saved filter over its contacts (the filter language of <c>SegmentFilter</c>). Its members are not stored:
/// they are whoever matches the filter when asked, so a segment is always current.
/// </summary>
public class Segment : ITenantRecord
{
    public const int MaxName = 100;

    public long Id { get; set; }
    public required string TenantId { get; set; }
    public required string Name { get; set; }
    /// <summary>The filter as written (checked when saved; at most SegmentFilter.MaxLength characters).</summary>
    public required string Filter { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public required string CreatedBy { get; set; }
}
