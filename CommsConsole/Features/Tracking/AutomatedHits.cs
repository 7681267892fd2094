using CommsConsole.Data;

namespace CommsConsole.Features.Tracking;

/// <summary>
/// Which opens and clicks are machines', not people's. Mail scanners (Safe Links, Proofpoint, Mimecast, Barracuda…) and
/// link checkers fetch a message's pixel and follow its links, usually as it is delivered and all at once. A hit is flagged
/// automated, kept and counted apart, when:
/// <list type="number">
/// <item>it comes within <see cref="TrackingOptions.PrefetchSeconds"/> of the message being handed to its provider (or
/// before the send was even recorded): nobody reads that fast;</item>
/// <item>it makes a burst: with it, the message had <see cref="TrackingOptions.BurstHits"/> or more hits within
/// <see cref="TrackingOptions.BurstSeconds"/> (every hit of the burst is flagged, the earlier ones too);</item>
/// <item>its User-Agent is missing or names a known scanner, bot, library or headless browser (<see cref="KnownAgents"/>
/// and <see cref="TrackingOptions.AutomatedUserAgents"/>);</item>
/// <item>it is a HEAD request: a mail client fetches, only a checker asks for headers.</item>
/// </list>
/// Gmail's and Apple's image proxies fetch the pixel when the reader opens the message, so they count as opens.
/// </summary>
public static class AutomatedHits
{
    /// <summary>Fragments of the User-Agents of scanners, crawlers, HTTP libraries and headless browsers.</summary>
    public static readonly IReadOnlyList<string> KnownAgents =
    [
        "bot", "crawler", "spider", "scanner", "preview", "headless", "phantomjs", "python-requests", "python-urllib", "aiohttp",
        "curl/", "wget", "go-http-client", "java/", "okhttp", "apache-httpclient", "libwww-perl", "node-fetch", "axios/",
        "barracuda", "mimecast", "proofpoint", "ironport", "symantec", "messagelabs", "trendmicro", "trend micro", "fireeye",
        "sophos", "forcepoint", "zscaler", "safelinks", "checkpoint", "fortinet", "facebookexternalhit", "linkchecker", "validator",
    ];

    /// <summary>Whether the User-Agent alone says a machine: missing, blank, or naming a scanner.</summary>
    public static bool IsAutomatedAgent(string? userAgent, IReadOnlyList<string> more)
    {
        if (string.IsNullOrWhiteSpace(userAgent)) return true;
        foreach (var fragment in KnownAgents)
        {
            if (userAgent.Contains(fragment, StringComparison.OrdinalIgnoreCase)) return true;
        }
        foreach (var fragment in more)
        {
            if (!string.IsNullOrWhiteSpace(fragment) && userAgent.Contains(fragment.Trim(), StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>Whether a hit at <paramref name="at"/> is too soon after the send (or came before the send was recorded).</summary>
    public static bool TooSoon(DateTimeOffset? sentAt, DateTimeOffset at, int prefetchSeconds) =>
        sentAt is not { } sent || (at - sent).TotalSeconds < prefetchSeconds;

    /// <summary>The User-Agent as stored: control characters out, at most <see cref="MessageEvent.MaxUserAgent"/> characters.</summary>
    public static string? Trim(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent)) return null;
        var clean = new string(userAgent.Where(c => !char.IsControl(c)).Take(MessageEvent.MaxUserAgent).ToArray()).Trim();
        // A cut between the halves of a surrogate pair would leave text that some databases refuse.
        if (clean.Length > 0 && char.IsHighSurrogate(clean[^1])) clean = clean[..^1];
        return clean.Length == 0 ? null : clean;
    }
}
