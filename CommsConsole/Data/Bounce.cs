namespace CommsConsole.Data;

/// <summary>A hard bounce is permanent (5.x.x, a refused recipient); a soft one temporary (4.x.x, a deferral).</summary>
public enum BounceKind { Hard, Soft }

/// <summary>Where a bounce was learned: the SMTP conversation of dispatch, or a delivery status notification in the tenant's bounce mailbox.</summary>
public enum BounceSource { Smtp, Mailbox }

/// <summary>
/// One email message bounced, hard or soft: at most one row of each kind per message, so that the same report read twice
/// (two mailbox runs, a deferral on each retry) is counted once. Kept per message and batch; the recipient is the message's.
/// </summary>
public class Bounce : IOwnedRecord
{
    public const int MaxStatus = 32, MaxReason = 500;

    public long Id { get; set; }
    public required string TenantId { get; set; }
    /// <summary>The message's sender, so that a bounce is read under the same scoping as its message.</summary>
    public required string UserId { get; set; }
    public long MessageId { get; set; }
    public long BatchId { get; set; }
    /// <summary>The address as the opt-out list keys it (lower-cased).</summary>
    public required string Recipient { get; set; }
    public BounceKind Kind { get; set; }
    /// <summary>The enhanced status code (5.1.1) when one was given, else the SMTP reply code (550).</summary>
    public string? Status { get; set; }
    public string? Reason { get; set; }
    public BounceSource Source { get; set; }
    public DateTimeOffset At { get; set; }
}
