namespace CommsConsole.Data;

/// <summary>
/// A tenant's outbound webhook endpoint: where its events go and which ones. The signing secret is kept encrypted with
/// the app's Data Protection keys (as provider secrets are) and shown once, when created or rotated; after a rotation
/// the previous secret also signs until <see cref="PreviousSecretUntil"/>, so that receivers can switch without a gap.
/// </summary>
public class WebhookEndpoint : ITenantRecord
{
    public const int MaxUrl = 2_048, MaxDescription = 500;

    public long Id { get; set; }
    public required string TenantId { get; set; }
    public required string Url { get; set; }
    /// <summary>The events wanted, one bit each (Features/Webhooks/WebhookEvents), so that SQL can match them.</summary>
    public int EventMask { get; set; }
    public string? Description { get; set; }
    public bool Enabled { get; set; }
    public required string ProtectedSecret { get; set; }
    public string? ProtectedPreviousSecret { get; set; }
    public DateTimeOffset? PreviousSecretUntil { get; set; }
    /// <summary>When the endpoint started failing without a success since; cleared by any 2xx.</summary>
    public DateTimeOffset? FailingSince { get; set; }
    /// <summary>Why the app disabled the endpoint on its own (410, failing for days); null when an admin did or it is enabled.</summary>
    public string? DisabledReason { get; set; }
    public DateTimeOffset? DisabledAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
