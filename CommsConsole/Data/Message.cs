
namespace CommsConsole.Data;

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
