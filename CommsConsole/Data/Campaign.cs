namespace CommsConsole.Data;

/// <summary>Where a campaign is in its life: <c>draft → scheduled → sending → sent</c>, or <c>cancelled</c> before it starts.</summary>
public enum CampaignState { Draft, Scheduled, Sending, Sent, Cancelled }

/// <summary>
/// A named send that marketers draft, test, schedule and measure. It holds what <c>POST /communication/bulk</c> would be
/// given, and once started the one batch that send wrote (<see cref="BatchId"/>). State changes are conditional updates
/// on <see cref="State"/> (and edits on <see cref="Version"/>), never read-modify-write, so that two nodes cannot both start it.
/// </summary>
public class Campaign : IOwnedRecord
{
    public const int MaxName = Batch.MaxName;
    public const int MaxError = 2_000;

    public long Id { get; set; }
    public required string TenantId { get; set; }
    public required string UserId { get; set; }
    public required string Name { get; set; }
    public Channel Channel { get; set; }
    /// <summary>As given (null: the marketing gate's default for the channel and template).</summary>
    public Purpose? Purpose { get; set; }
    /// <summary>A stored template's code, used instead of <see cref="Content"/>.</summary>
    public string? TemplateCode { get; set; }
    public string? Content { get; set; }
    public string? Subject { get; set; }
    /// <summary>What an email's content is written in, as declared (null: plain text, or HTML when it has tags).</summary>
    public EmailBodyFormat? Format { get; set; }
    /// <summary>The shared template variables, as a JSON object of strings.</summary>
    public string Variables { get; set; } = "{}";
    /// <summary>Pasted recipients, as a JSON array of strings; null when the audience is a list or a segment.</summary>
    public string? Recipients { get; set; }
    /// <summary>How many <see cref="Recipients"/> there are, so that lists of campaigns need not read them (0 for a list or a segment).</summary>
    public int RecipientCount { get; set; }
    public long? ListId { get; set; }
    public long? SegmentId { get; set; }

    public CampaignState State { get; set; }
    /// <summary>When a scheduled campaign starts (also kept on a draft as the time planned).</summary>
    public DateTimeOffset? ScheduledAt { get; set; }
    /// <summary>The batch the campaign's send wrote, once it has started.</summary>
    public long? BatchId { get; set; }
    /// <summary>Why the last start was refused (the campaign went back to draft); cleared by the next start.</summary>
    public string? LastError { get; set; }
    /// <summary>Raised by every change, so that an edit applies only to the version it read.</summary>
    public int Version { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}
