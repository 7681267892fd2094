using System.Buffers;
using System.Net;
using System.Text;

namespace CommsConsole.Features.Templates;

/// <summary>How a variable's value is written into the text a template renders.</summary>
public enum ValueEncoding
{
    /// <summary>As it is: SMS, subjects, plain-text email.</summary>
    None,
    /// <summary>HTML-encoded: an HTML email, where a value must stay text.</summary>
    Html,
    /// <summary>Markdown's punctuation escaped, then HTML-encoded: a Markdown email, where a value must make neither markup nor formatting.</summary>
    Markdown,
}

internal static class ValueEncodings
{
    /// <summary>
    /// Markdown's characters that start emphasis, links, images, code, tables, strikethrough and headings. Backslash escapes
    /// keep them literal, also inside a link's address; <c>:/.?=&amp;</c> are left alone so an address still links itself.
    /// </summary>
    private static readonly SearchValues<char> MarkdownPunctuation = SearchValues.Create("\\`*_[]~|#");

    public static string Encode(string text, ValueEncoding encoding) => encoding switch
    {
        ValueEncoding.Html => WebUtility.HtmlEncode(text),
        ValueEncoding.Markdown => WebUtility.HtmlEncode(EscapeMarkdown(text)),
        _ => text,
    };

    private static string EscapeMarkdown(string text)
    {
        if (text.AsSpan().IndexOfAny(MarkdownPunctuation) < 0) return text;
        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (MarkdownPunctuation.Contains(c)) escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
