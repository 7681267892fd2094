using AngleSharp;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace CommsConsole.Features.Tracking;

/// <summary>
/// The links of an HTML email that tracking rewrites, found the same way when the email goes out and when a rewritten link
/// is followed: every <c>&lt;a href&gt;</c> whose address is absolute <c>http</c> or <c>https</c>, in document order, as
/// AngleSharp's HTML5 parser reads it. <c>mailto:</c>, <c>tel:</c>, anchors and relative links are left alone, and so are
/// the app's own links (the unsubscribe link <c>/u/</c>, and tracking links <c>/r/</c> and <c>/o/</c>). A link's position
/// is its index in that list, so a position names one link of one message's stored content and nothing else.
/// </summary>
public static class TrackedHtml
{
    private static readonly string[] OwnPaths = ["/u/", "/r/", "/o/"];

    /// <summary>The addresses of the trackable links of <paramref name="html"/>, in order.</summary>
    public static IReadOnlyList<string> Links(string html, string ownBaseUrl)
    {
        var (_, anchors, _) = Parse(html);
        var links = new List<string>();
        foreach (var a in anchors)
        {
            if (Trackable(a, ownBaseUrl) is { } url) links.Add(url);
            if (links.Count > TrackingLinks.MaxLinks) break;
        }
        return links;
    }

    /// <summary>
    /// <paramref name="html"/> with each trackable link's <c>href</c> replaced by <paramref name="clickUrl"/> of its position,
    /// and the open pixel (<paramref name="pixelUrl"/>) added at the end of the body.
    /// </summary>
    public static string Rewrite(string html, string ownBaseUrl, Func<int, string> clickUrl, string pixelUrl)
    {
        var (document, anchors, fragment) = Parse(html);
        var position = 0;
        foreach (var a in anchors)
        {
            if (position > TrackingLinks.MaxLinks) break;
            if (Trackable(a, ownBaseUrl) is null) continue;
            a.SetAttribute("href", clickUrl(position++));
        }
        var pixel = document.CreateElement("img");
        pixel.SetAttribute("src", pixelUrl);
        pixel.SetAttribute("width", "1");
        pixel.SetAttribute("height", "1");
        pixel.SetAttribute("alt", "");
        pixel.SetAttribute("style", "display:block;width:1px;height:1px;border:0");
        if (fragment is null)
        {
            (document.Body ?? document.DocumentElement).AppendChild(pixel);
            return document.ToHtml();
        }
        return string.Concat(fragment.Select(n => n.ToHtml())) + pixel.ToHtml();
    }

    /// <summary>
    /// A whole document (it names its <c>html</c>, <c>head</c> or <c>body</c>, or has a doctype) is parsed as one and written
    /// back as one; anything else is a fragment of a body, written back without the wrapping a document would add.
    /// </summary>
    private static (IDocument Document, List<IElement> Anchors, INodeList? Fragment) Parse(string html)
    {
        var parser = new HtmlParser();
        if (IsDocument(html))
        {
            var document = parser.ParseDocument(html);
            return (document, document.QuerySelectorAll("a[href]").ToList(), null);
        }
        var host = parser.ParseDocument("");
        var nodes = parser.ParseFragment(html, host.Body!);
        var anchors = new List<IElement>();
        foreach (var element in nodes.OfType<IElement>())
        {
            if (element.LocalName == "a" && element.HasAttribute("href")) anchors.Add(element);
            anchors.AddRange(element.QuerySelectorAll("a[href]"));
        }
        return (host, anchors, nodes);
    }

    private static bool IsDocument(string html) =>
        html.Contains("<html", StringComparison.OrdinalIgnoreCase) || html.Contains("<body", StringComparison.OrdinalIgnoreCase)
        || html.Contains("<head", StringComparison.OrdinalIgnoreCase) || html.Contains("<!doctype", StringComparison.OrdinalIgnoreCase);

    /// <summary>The link's address when tracking may rewrite it, else null.</summary>
    private static string? Trackable(IElement a, string ownBaseUrl)
    {
        var href = a.GetAttribute("href")?.Trim();
        if (string.IsNullOrEmpty(href) || href.Length > Data.MessageEvent.MaxUrl) return null;
        if (!Uri.TryCreate(href, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)) return null;
        foreach (var path in OwnPaths)
        {
            if (href.StartsWith(ownBaseUrl + path, StringComparison.OrdinalIgnoreCase)) return null;
        }
        return href;
    }

    /// <summary>
    /// The address to send a browser to, in the ASCII a Location header must be: the host in its IDNA form, the path and
    /// query percent-encoded. Null when it cannot be written so.
    /// </summary>
    public static string? Location(string href)
    {
        if (!Uri.TryCreate(href, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)) return null;
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost;
        var userInfo = uri.UserInfo.Length > 0 ? uri.GetComponents(UriComponents.UserInfo, UriFormat.UriEscaped) + "@" : "";
        var location = $"{uri.Scheme}://{userInfo}{host}{(uri.IsDefaultPort ? "" : ":" + uri.Port)}"
            + uri.GetComponents(UriComponents.PathAndQuery | UriComponents.Fragment, UriFormat.UriEscaped);
        return location.All(c => c is > ' ' and < (char)127) ? location : null;
    }
}
