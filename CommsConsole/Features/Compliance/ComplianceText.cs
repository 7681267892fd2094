using System.Net;

namespace CommsConsole.Features.Compliance;

/// <summary>
/// The words marketing adds to a message: the opt-out hint of an SMS, the postal address footer and the unsubscribe link of
/// an email. Which message gets which, and when, is the <see cref="MarketingGate"/>'s to say.
/// </summary>
public static class ComplianceText
{
    /// <summary>Appends the hint unless the text already carries it (anywhere, in any case).</summary>
    public static string WithOptOutHint(string content, string? hint)
    {
        if (string.IsNullOrWhiteSpace(hint) || content.Contains(hint, StringComparison.OrdinalIgnoreCase)) return content;
        return content.TrimEnd() + " " + hint;
    }

    /// <param name="isHtml">Whether the email is HTML, as its template decided (<see cref="EmailFormat"/>).</param>
    public static string WithPostalFooter(string content, string? postalAddress, bool isHtml)
    {
        if (string.IsNullOrWhiteSpace(postalAddress)) return content;
        if (isHtml)
        {
            var lines = string.Join("<br>", postalAddress.Split('\n').Select(l => WebUtility.HtmlEncode(l.Trim())));
            return AtEndOfBody(content, "\n<p class=\"postal-address\" style=\"color:#666;font-size:12px\">" + lines + "</p>");
        }
        return content.TrimEnd() + "\n\n--\n" + postalAddress.Trim();
    }

    /// <summary>The unsubscribe link added to a marketing email at dispatch, after the footer.</summary>
    public static string WithUnsubscribeLink(string content, string url, bool isHtml)
    {
        if (isHtml)
            return AtEndOfBody(content, "\n<p class=\"unsubscribe\" style=\"color:#666;font-size:12px\"><a href=\"" + WebUtility.HtmlEncode(url) + "\">Unsubscribe / 退订</a></p>");
        return content.TrimEnd() + "\nUnsubscribe / 退订: " + url;
    }

    /// <summary>Adds to the end of an HTML body: inside its body element when it is a whole document (a body whose styles were inlined).</summary>
    private static string AtEndOfBody(string html, string addition)
    {
        var end = html.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        return end < 0 ? html + addition : html.Insert(end, addition);
    }
}
