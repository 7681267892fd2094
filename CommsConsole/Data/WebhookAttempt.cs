namespace CommsConsole.Data;

/// <summary>One HTTP attempt of a delivery, as the console and GET …/deliveries show it.</summary>
public class WebhookAttempt : ITenantRecord
{
    public const int MaxExcerpt = 1_024;

    public long Id { get; set; }
    public long DeliveryId { get; set; }
    public long EndpointId { get; set; }
    public required string TenantId { get; set; }
    public required string Event { get; set; }
    public int Number { get; set; }
    public int? StatusCode { get; set; }
    public int LatencyMs { get; set; }
    public string? ResponseExcerpt { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset At { get; set; }
}
