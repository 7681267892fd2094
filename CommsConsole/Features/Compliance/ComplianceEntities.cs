namespace CommsConsole.Features.Compliance;

/// <summary>
/// A tenant's compliance rules. A tenant without a row uses <see cref="ComplianceOptions.Defaults"/>; the row is
/// written the first time an Admin saves the settings.
/// </summary>
public class TenantPolicy
{
    public required string TenantId { get; set; }
    /// <summary>The sender's postal address, printed in the footer of every marketing email (CAN-SPAM).</summary>
    public string? PostalAddress { get; set; }
    /// <summary>Appended to marketing SMS that do not already carry it, e.g. 回复TD退订.</summary>
    public string? SmsOptOutHint { get; set; }
    /// <summary>Quiet hours in the tenant's time zone, as minutes after midnight; equal start and end means none.</summary>
    public int QuietHoursStartMinutes { get; set; }
    public int QuietHoursEndMinutes { get; set; }
    /// <summary>An IANA time zone id (Asia/Shanghai).</summary>
    public required string TimeZoneId { get; set; }
    public int VerifyCodesPerMinute { get; set; }
    public int VerifyCodesPerHour { get; set; }
    public int VerifyCodesPerDay { get; set; }
    public int RetentionDays { get; set; }
    /// <summary>The ISO 4217 code of the currency the tenant's provider prices and costs are in (CNY).</summary>
    public string? Currency { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? UpdatedBy { get; set; }
}

/// <summary>A word an Admin has ruled out of a tenant's messages.</summary>
public class SensitiveWord
{
    public long Id { get; set; }
    public required string TenantId { get; set; }
    public required string Word { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? CreatedBy { get; set; }
}

public enum SuppressionReason { UnsubscribeLink, SmsReplyKeyword, Bounce, Admin, Import }

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

/// <summary>An SMS reply (SUBHOOK <c>mo</c> event), kept with the event's fields as received.</summary>
public class InboundReply
{
    public long Id { get; set; }
    /// <summary>The tenant the reply was attributed to, when one could be.</summary>
    public string? TenantId { get; set; }
    public required string Phone { get; set; }
    public required string Content { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public string? SendId { get; set; }
    /// <summary>The event's fields as JSON (signature and token left out).</summary>
    public required string Raw { get; set; }
    /// <summary>The reply was an unsubscribe keyword and suppressed the number.</summary>
    public bool Unsubscribed { get; set; }
}

/// <summary>Anonymised counts of purged messages, per tenant, user, day, channel and status, so the dashboard keeps them.</summary>
public class MessageDailyCount
{
    public long Id { get; set; }
    public required string TenantId { get; set; }
    public required string UserId { get; set; }
    /// <summary>Days since 0001-01-01 (UTC ticks / ticks per day), as the dashboard groups.</summary>
    public long Day { get; set; }
    public Channel Channel { get; set; }
    public MessageStatus Status { get; set; }
    public int Count { get; set; }
    /// <summary>A float, as the dashboard sums it (SQLite keeps decimals as text).</summary>
    public double Cost { get; set; }
}
