namespace CommsConsole.Data;

/// <summary>
/// One action on personal data that has to be accountable (a contact exported or erased): who, when, in which tenant,
/// what and on which record. Written in the transaction of the action itself; never holds the data it is about (an
/// erased contact's address or name would otherwise outlive the erasure here).
/// </summary>
public class AuditEvent : ITenantRecord
{
    public const int MaxAction = 64, MaxTarget = 64, MaxDetail = 200;

    public long Id { get; set; }
    public required string TenantId { get; set; }
    /// <summary>The user who acted.</summary>
    public required string UserId { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>What was done, as a stable name (<c>contact.export</c>, <c>contact.erase</c>).</summary>
    public required string Action { get; set; }
    /// <summary>The record acted on, as <c>contact:42</c>.</summary>
    public required string Target { get; set; }
    /// <summary>A short account of the effect (counts), never personal data.</summary>
    public string? Detail { get; set; }
}
