
namespace CommsConsole.Data;

/// <summary>What a recipient did with a tracked email.</summary>
public enum EngagementKind
{
    Open = 1,
    Click = 2,
}

/// <summary>
/// One open (the pixel was fetched) or click (a rewritten link was followed) of a tracked email, per message and batch.
/// Hits that look automated (mail scanners, link checkers, prefetching) are kept, flagged, and counted apart from people's.
/// </summary>
public class MessageEvent
{
    public const int MaxUserAgent = 256, MaxUrl = 2_048;

    public long Id { get; set; }
    public required string TenantId { get; set; }
    public long MessageId { get; set; }
    public long BatchId { get; set; }
    public EngagementKind Kind { get; set; }
    /// <summary>A click's link: its position among the message's tracked links, and where it led; null for an open.</summary>
    public int? LinkPosition { get; set; }
    public string? Url { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>A scanner's or prefetcher's hit rather than a person's (see <c>Features/Tracking/AutomatedHits</c>).</summary>
    public bool Automated { get; set; }
    /// <summary>The client's User-Agent, cut to <see cref="MaxUserAgent"/> characters.</summary>
    public string? UserAgent { get; set; }
}
