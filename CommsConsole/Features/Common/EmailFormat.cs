using System.Text.RegularExpressions;

namespace CommsConsole.Features.Common;

/// <summary>
/// Whether an email is HTML, decided once from its template's source and carried by the message row to the provider.
/// Never from rendered text: a recipient's value holding markup must not turn a plain-text email into HTML.
/// </summary>
public static partial class EmailFormat
{
    public static bool IsHtml(Channel channel, string templateSource) => channel == Channel.Email && HtmlTag().IsMatch(templateSource);

    [GeneratedRegex(@"<(html|head|body|p|div|span|br|hr|a|b|i|u|em|strong|table|tr|td|th|ul|ol|li|img|h[1-6]|font|center|blockquote|pre)\b[^>]*>|</\s*[a-z][a-z0-9]*\s*>", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlTag();
}
