
namespace CommsConsole.Features.Messaging;

/// <summary>One row per recipient: the durable truth about a message.</summary>
public class Message : IOwnedRecord
{
    /// <summary>Longest stored values of the fields a caller gives (the database columns are as long).</summary>
    public const int MaxReceiverName = 200, MaxBizType = 64, MaxRemark = 500;

    /// <summary>
    /// The recipient as a reader of this record sees it: whole to its own sender and to Admins, masked to anyone
    /// else who may read it (an Auditor reading the tenant's records).
    /// </summary>
    public string RecipientShownTo(Caller caller) =>
        caller.IsAdmin || UserId == caller.UserId ? Recipient : RecipientMask.Mask(Recipient);

    public long Id { get; set; }
    public required string TenantId { get; set; }
    public required string UserId { get; set; }
    public long BatchId { get; set; }
    public Channel Channel { get; set; }
    public MessageStatus Status { get; set; }
    public Purpose Purpose { get; set; }

    public required string Recipient { get; set; }
    public string? Subject { get; set; }
    public required string Content { get; set; }
    /// <summary>An email whose template is HTML: decided from the template's source when the row is written, never from its rendered text.</summary>
    public bool IsHtml { get; set; }
    public int? TemplateId { get; set; }

    // Fields of the /notification/sms face (document 003).
    public string? ReceiverName { get; set; }
    public long? ReceiverId { get; set; }
    public long? CampusId { get; set; }
    public string? BizType { get; set; }
    public long? BizId { get; set; }
    public string? Remark { get; set; }

    public string? Provider { get; set; }
    public string? ThirdPartyId { get; set; }
    public string? ThirdPartyStatus { get; set; }
    /// <summary>Raw provider answer for this message.</summary>
    public string? Response { get; set; }
    /// <summary>Why the last attempt failed (document 003 calls it failReason, document 000 error).</summary>
    public string? Error { get; set; }
    public int RetryCount { get; set; }
    public decimal Cost { get; set; }
    public int Segments { get; set; }

    private const string GaveUpMark = " (gave up after ";

    /// <summary>The error of a message whose transient failures outlasted its automatic retries.</summary>
    public static string GaveUp(string? error, int retries) => $"{error}{GaveUpMark}{retries} retries)";

    /// <summary>
    /// Failed because the provider refused it (a bad number, rejected content), not because it could not be reached:
    /// sent again unchanged, it will most likely fail the same way.
    /// </summary>
    public bool FailedPermanently => Status == MessageStatus.Failed && Error?.Contains(GaveUpMark, StringComparison.Ordinal) != true;

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>When a pending message becomes due (scheduling and retry backoff).</summary>
    public DateTimeOffset NextAttemptAt { get; set; }
    /// <summary>While <see cref="Status"/> is Sending: the claim's owner and when it runs out.</summary>
    public string? LeaseId { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
}

/// <summary>One bulk request or campaign, with its counts by status kept in step by <see cref="MessageLedger"/>.</summary>
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

    public int Done => Sent + Delivered + Failed + Cancelled + Suppressed;
    public int Progress => Total == 0 ? 100 : (int)(100L * Done / Total);
}

/// <summary>Every provider attempt of a message, kept for the log detail.</summary>
public class MessageAttempt
{
    public long Id { get; set; }
    public long MessageId { get; set; }
    public int Number { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Provider { get; set; }
    public required string Outcome { get; set; }
    public string? Error { get; set; }
    public string? Response { get; set; }
}
