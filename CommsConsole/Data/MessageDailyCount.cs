namespace CommsConsole.Data;

/// <summary>Anonymised counts of purged messages, per tenant, user, day, channel and status, so the dashboard keeps them.</summary>
public class MessageDailyCount
{
    public long Id { get; set; }
    public required string TenantId { get; set; }
    public required string UserId { get; set; }
    /// <summary>Days since 0001-01-01 (UTC ticks / ticks per day), as the dashboard groups.</summary>
    public long Day { get; set; }
    public Channel Channel { get; set; }
    public MessageStatus Status { get; set; }
    public int Count { get; set; }
    /// <summary>A float, as the dashboard sums it (SQLite keeps decimals as text).</summary>
    public double Cost { get; set; }
}
