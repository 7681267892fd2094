namespace CommsConsole.Features.Compliance;

public sealed class ComplianceOptions
{
    public const string Section = "Compliance";

    /// <summary>The rules of a tenant that has not saved its own.</summary>
    public PolicyDefaults Defaults { get; set; } = new();

    /// <summary>How long an unsubscribe link keeps working after the send (RFC 8058 asks for a long life).</summary>
    public int UnsubscribeLinkDays { get; set; } = 60;

    /// <summary>Requests per minute to the send endpoints, per tenant and per user (the console's and the API's sends, retries and resends alike).</summary>
    public RateLimitSettings RateLimits { get; set; } = new();

    /// <summary>When the retention purge runs (a cron expression, UTC).</summary>
    public string RetentionCron { get; set; } = "30 3 * * *";
}

public sealed class PolicyDefaults
{
    public string? PostalAddress { get; set; }
    public string SmsOptOutHint { get; set; } = "回复TD退订";
    /// <summary>HH:mm; equal start and end turn quiet hours off.</summary>
    public string QuietHoursStart { get; set; } = "21:00";
    public string QuietHoursEnd { get; set; } = "08:00";
    public string TimeZoneId { get; set; } = "Asia/Shanghai";
    public int VerifyCodesPerMinute { get; set; } = 1;
    public int VerifyCodesPerHour { get; set; } = 5;
    public int VerifyCodesPerDay { get; set; } = 10;
    public int RetentionDays { get; set; } = 180;
    /// <summary>The ISO 4217 code of the currency provider prices and costs are in.</summary>
    public string Currency { get; set; } = "CNY";
    /// <summary>Track opens and clicks of marketing email (a tenant may turn it off).</summary>
    public bool TrackMarketingEmail { get; set; } = true;
    /// <summary>Track opens and clicks of transactional email (a tenant may turn it on).</summary>
    public bool TrackTransactionalEmail { get; set; }
}

public sealed class RateLimitSettings
{
    public int PerTenantPerMinute { get; set; } = 20_000;
    public int PerUserPerMinute { get; set; } = 10_000;
}
