namespace CommsConsole.Data;

/// <summary>
/// A tenant's compliance rules. A tenant without a row uses the installation's compliance defaults; the row is
/// written the first time an Admin saves the settings.
/// </summary>
public class TenantPolicy
{
    public const int MaxPostalAddress = 500;
    public const int MaxHint = 70;

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
    /// <summary>
    /// Opens and clicks of marketing email are tracked unless the tenant turned it off (privacy). Stored as "off" so that
    /// a tenant saved before tracking existed keeps the default, on.
    /// </summary>
    public bool MarketingEmailTrackingOff { get; set; }
    /// <summary>Opens and clicks of transactional email are tracked only when the tenant turned it on.</summary>
    public bool TransactionalEmailTrackingOn { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? UpdatedBy { get; set; }
}
