namespace CommsConsole.Data;

public enum WebhookDeliveryStatus
{
    Pending = 0,
    Sending = 1,
    Succeeded = 2,
    /// <summary>Gave up: every attempt of the schedule failed, or the endpoint answered 410.</summary>
    Failed = 3,
    /// <summary>Not sent: the endpoint was disabled or no longer wants the event.</summary>
    Cancelled = 4,
}

/// <summary>
/// One event for one endpoint: the outbox row written with the outcome that caused it, then the delivery's state,
/// claimed with a lease by the delivery worker. Message events carry the message's id and are rendered from its row
/// when sent; other events carry their data.
/// </summary>
public class WebhookDelivery : ITenantRecord
{
    public long Id { get; set; }
    public long EndpointId { get; set; }
    public required string TenantId { get; set; }
    public required string Event { get; set; }
    public long? MessageId { get; set; }
    public long? BatchId { get; set; }
    /// <summary>The event's data as JSON, for events that are not rendered from a message row.</summary>
    public string? Data { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public WebhookDeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public string? LeaseId { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public int? LastStatusCode { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}
