namespace CommsConsole.Data;

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
