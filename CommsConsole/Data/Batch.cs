
namespace CommsConsole.Data;

/// <summary>One bulk request or campaign, with its counts by status kept in step by the message ledger.</summary>
public class Batch : IOwnedRecord
{
    public const int MaxName = 200;

    public long Id { get; set; }
    /// <summary>The name the sender gave the campaign (compose asks for one); null for sends through the API.</summary>
    public string? Name { get; set; }
    public required string TenantId { get; set; }
    public required string UserId { get; set; }
    public Channel Channel { get; set; }
    public Purpose Purpose { get; set; }
    public int? TemplateId { get; set; }
    public string? Subject { get; set; }
    public required string Source { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public int Total { get; set; }
    public int Pending { get; set; }
    public int Sending { get; set; }
    public int Sent { get; set; }
    public int Delivered { get; set; }
    public int Failed { get; set; }
    /// <summary>Pending messages withdrawn before they were sent.</summary>
    public int Cancelled { get; set; }
    /// <summary>Marketing messages not sent because the recipient opted out.</summary>
    public int Suppressed { get; set; }
    /// <summary>Recipients dropped from the request because they appeared more than once.</summary>
    public int Duplicates { get; set; }
    /// <summary>When the batch was scheduled to go out, if later than its creation.</summary>
    public DateTimeOffset? ScheduledAt { get; set; }
    /// <summary>The campaign this batch was sent for (its send, or one of its test sends).</summary>
    public long? CampaignId { get; set; }
    /// <summary>A test send of <see cref="CampaignId"/>: never counted in the campaign's results.</summary>
    public bool IsTest { get; set; }

    public int Done => Sent + Delivered + Failed + Cancelled + Suppressed;
    public int Progress => Total == 0 ? 100 : (int)(100L * Done / Total);
}
