using System.Text.RegularExpressions;

namespace CommsConsole.Features.Common;

/// <summary>
/// The format an email's content is written in, as its template or request declares it. Stored as its number, so the
/// values never change. Content without a declared format keeps the older rule (<see cref="EmailFormat.IsHtml"/>).
/// </summary>
public enum EmailBodyFormat
{
    /// <summary>HTML, sanitised and its CSS inlined.</summary>
    Html = 1,
    /// <summary>Markdown, made HTML and then treated as HTML.</summary>
    Markdown = 2,
}

/// <summary>
/// Whether an email is HTML, decided once from its template's source and carried by the message row to the provider.
/// Never from rendered text: a recipient's value holding markup must not turn a plain-text email into HTML.
/// </summary>
public static partial class EmailFormat
{
    public static bool IsHtml(Channel channel, string templateSource) => channel == Channel.Email && HtmlTag().IsMatch(templateSource);

    /// <summary>The declared format, or when none is declared the older rule: HTML when the source has tags, else plain text (null).</summary>
    public static EmailBodyFormat? Resolve(Channel channel, EmailBodyFormat? declared, string templateSource) =>
        channel != Channel.Email ? null : declared ?? (IsHtml(channel, templateSource) ? EmailBodyFormat.Html : null);

    public static string ToWire(this EmailBodyFormat format) => format == EmailBodyFormat.Markdown ? "markdown" : "html";

    /// <summary>The REST names, <c>markdown</c> and <c>html</c>, in any case and with spaces around.</summary>
    public static bool TryParse(string? value, out EmailBodyFormat format)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "markdown": format = EmailBodyFormat.Markdown; return true;
            case "html": format = EmailBodyFormat.Html; return true;
            default: format = default; return false;
        }
    }

    [GeneratedRegex(@"<(html|head|body|p|div|span|br|hr|a|b|i|u|em|strong|table|tr|td|th|ul|ol|li|img|h[1-6]|font|center|blockquote|pre)\b[^>]*>|</\s*[a-z][a-z0-9]*\s*>", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlTag();
}
