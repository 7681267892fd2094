namespace CommsConsole.Features.Tracking;

/// <summary>Settings of open and click tracking (section <c>Tracking</c>); which email is tracked is each tenant's choice.</summary>
public sealed class TrackingOptions
{
    public const string Section = "Tracking";

    /// <summary>A hit this soon after the message was handed to its provider is a scanner's, not its reader's.</summary>
    public int PrefetchSeconds { get; set; } = 10;

    /// <summary>
    /// This many hits on one message (opens and clicks) within <see cref="BurstSeconds"/> are a scanner following every
    /// link at once: all of them are flagged automated. 0 turns the rule off.
    /// </summary>
    public int BurstHits { get; set; } = 4;

    public int BurstSeconds { get; set; } = 3;

    /// <summary>
    /// Requests to <c>/o/</c> and <c>/r/</c> a minute from one client address (an IPv6 client by its /64); more are answered
    /// 429. One office behind one address shares it, so it is generous.
    /// </summary>
    public int RequestsPerMinutePerAddress { get; set; } = 300;

    /// <summary>User-Agent fragments (case-insensitive) of scanners beyond the built-in ones (<see cref="AutomatedHits"/>).</summary>
    public List<string> AutomatedUserAgents { get; set; } = [];
}
