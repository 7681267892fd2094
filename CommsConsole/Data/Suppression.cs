namespace CommsConsole.Data;

/// <summary>
/// An opt-out: marketing on <see cref="Channel"/> to <see cref="Address"/> is not sent for this tenant. One row per
/// tenant, channel and address; removing it keeps the row (with who removed it and why) and adding it again reuses it.
/// </summary>
public class Suppression
{
    /// <summary>Longest note and removal reason (the database columns are as long).</summary>
    public const int MaxNote = 500;

    public long Id { get; set; }
    public required string TenantId { get; set; }
    public Channel Channel { get; set; }
    /// <summary>The normalised phone number or email address.</summary>
    public required string Address { get; set; }
    public SuppressionReason Reason { get; set; }
    public string? Note { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The user who added it, or what did (unsubscribe link, SMS reply).</summary>
    public required string CreatedBy { get; set; }
    public DateTimeOffset? RemovedAt { get; set; }
    public string? RemovedBy { get; set; }
    public string? RemovalReason { get; set; }
}
