using Microsoft.AspNetCore.Http.HttpResults;

namespace CommsConsole.Features.Common;

/// <summary>Where the console may send a browser back to after a sign-in or a language switch: its own paths only.</summary>
public static class LocalUrl
{
    /// <summary>
    /// A path on this site (<c>/logs?page=2</c>), never another host: <c>//x</c>, <c>/\x</c>, <c>\\x</c> and
    /// <c>http://x</c> are refused as ASP.NET Core's own check refuses them, and so is any control character, which
    /// browsers drop (<c>/\t/x</c> becomes <c>//x</c>), and anything but printable ASCII, which a Location header may
    /// not carry (browsers send paths percent-encoded anyway).
    /// </summary>
    public static bool IsSafe(string? url) =>
        !string.IsNullOrEmpty(url) && url.All(c => c is >= ' ' and < '\x7f') && !url.StartsWith('~') && RedirectHttpResult.IsLocalUrl(url);

    /// <summary>The URL when it is a safe local path, else the home page.</summary>
    public static string OrHome(string? url) => IsSafe(url) ? url! : "/";
}
