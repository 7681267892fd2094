using System.Diagnostics.CodeAnalysis;
using AngleSharp.Css.Dom;
using Ganss.Xss;
using Markdig;

namespace CommsConsole.Features.Templates;

/// <summary>
/// The one rule that makes an email's rendered content the HTML that goes out, used by the send, the compose preview and
/// the template editor alike: Markdown becomes HTML (Markdig: tables, autolinks, raw HTML shown as text), every HTML body
/// is sanitised (one configured HtmlSanitizer: no scripts, event handlers, <c>javascript:</c>/<c>data:</c> addresses,
/// frames, objects or forms; email's tags, tables, inline styles and sanitised <c>&lt;style&gt;</c> sheets kept), and its
/// style sheets are inlined for mail clients (PreMailer.Net). Plain-text email (no format, no tags) is left as it is.
/// Variables are encoded before this (<see cref="EncodingFor"/>), so recipient data is text whatever it holds.
/// </summary>
public static class EmailBody
{
    /// <summary>Characters of a finished body: inlining repeats each style on every element it applies to.</summary>
    public const int MaxLength = 200_000;
    /// <summary>Characters of style sheets inlined into one body.</summary>
    public const int MaxStyleLength = 20_000;
    /// <summary>Elements times style rules: the work of inlining, which matches every rule against every element.</summary>
    public const long MaxInlineWork = 2_000_000;

    /// <summary>
    /// What a Markdown email is dressed in (readable type, bordered tables, quoted and code text set off), as the style
    /// attribute each of its elements gets. Written onto the sanitiser's own parse of the body (ahead of any style the
    /// element already has, such as a table column's alignment), rather than as a style sheet for PreMailer to inline:
    /// that parsed and matched the body once more per recipient, most of what a personalised Markdown email cost to
    /// accept (a probe of the body below on this machine: 6.8 ms a body before, 2.1 ms after, both under other load).
    /// </summary>
    private const string MarkdownDocumentStart = "<html><body>";
    private const string MarkdownDocumentEnd = "</body></html>";

    private static readonly Dictionary<string, string> MarkdownDress = new(StringComparer.Ordinal)
    {
        // The wrapper (Markdig itself writes no div): the body's type.
        ["div"] = "font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5; color: #222222",
        ["table"] = "border-collapse: collapse",
        ["th"] = "border: 1px solid #dddddd; padding: 6px 10px; text-align: left",
        ["td"] = "border: 1px solid #dddddd; padding: 6px 10px; text-align: left",
        ["blockquote"] = "margin: 0 0 0 4px; padding-left: 12px; border-left: 3px solid #dddddd; color: #555555",
        ["code"] = "font-family: Consolas, Menlo, monospace; background-color: #f4f4f4; padding: 1px 3px",
        ["a"] = "color: #1a73e8",
    };

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseAutoLinks()
        .UseEmphasisExtras()
        .UseSoftlineBreakAsHardlineBreak() // an email's author means a new line where they typed one
        .DisableHtml() // raw HTML in Markdown is shown as text, never passed through
        .Build();

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();
    /// <summary>The same sanitiser, which then dresses the Markdown body (<see cref="MarkdownDress"/>).</summary>
    private static readonly HtmlSanitizer MarkdownSanitizer = CreateMarkdownSanitizer();

    /// <summary>How variable values are written into content of this format before it is finished.</summary>
    public static ValueEncoding EncodingFor(EmailBodyFormat? format) => format switch
    {
        EmailBodyFormat.Markdown => ValueEncoding.Markdown,
        EmailBodyFormat.Html => ValueEncoding.Html,
        _ => ValueEncoding.None,
    };

    /// <summary>
    /// Rendered content made the body that goes out: Markdown → HTML, sanitised, CSS inlined; plain text (no format)
    /// unchanged. Refuses a body whose style sheets or inlined result would be too large (a hostile template's work bound).
    /// </summary>
    public static bool TryFinish(string rendered, EmailBodyFormat? format, [NotNullWhen(true)] out string? html, [NotNullWhen(false)] out ErrorText? error)
    {
        html = null;
        error = null;
        if (format is null)
        {
            html = rendered;
            return true;
        }
        string clean;
        try
        {
            // A Markdown email is a whole document, as an inlined HTML one is, so that its footer goes inside its body.
            clean = format == EmailBodyFormat.Markdown
                ? MarkdownDocumentStart + MarkdownSanitizer.Sanitize("<div class=\"md-email\">" + Markdig.Markdown.ToHtml(rendered, Pipeline) + "</div>") + MarkdownDocumentEnd
                : Sanitizer.Sanitize(rendered);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Markdig refuses elements nested past its depth limit (a hostile "> > > …" or "[[[…"): an error, never a crash.
            error = ErrorText.Of($"is nested too deeply to be made HTML");
            return false;
        }
        if (clean.Contains("<style", StringComparison.OrdinalIgnoreCase))
        {
            var (styleLength, rules) = MeasureStyles(clean);
            if (styleLength > MaxStyleLength)
            {
                error = ErrorText.Of($"its style sheets are {styleLength} characters; at most {MaxStyleLength} are allowed");
                return false;
            }
            var elements = CountElements(clean);
            if (elements * rules > MaxInlineWork)
            {
                error = ErrorText.Of($"its {rules} style rules over {elements} elements are too many to inline; use fewer rules or inline styles");
                return false;
            }
            try
            {
                clean = PreMailer.Net.PreMailer.MoveCssInline(clean, removeComments: true).Html;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
            {
                error = ErrorText.Of($"has style sheets that could not be inlined");
                return false;
            }
        }
        if (clean.Length > MaxLength)
        {
            error = ErrorText.Of($"is {clean.Length} characters once made HTML and its styles inlined; at most {MaxLength} are allowed");
            return false;
        }
        html = clean;
        return true;
    }

    /// <summary>Rendered content through the sanitiser alone: what <see cref="TryFinish"/> keeps of HTML before inlining.</summary>
    public static string Sanitize(string html) => Sanitizer.Sanitize(html);

    private static HtmlSanitizer CreateMarkdownSanitizer()
    {
        var sanitizer = CreateSanitizer();
        sanitizer.PostProcessDom += (_, e) =>
        {
            // One pass over the elements: every one in the body is the Markdown's.
            foreach (var element in e.Document.All)
            {
                if (!MarkdownDress.TryGetValue(element.LocalName, out var style)) continue;
                var own = element.GetAttribute("style");
                element.SetAttribute("style", string.IsNullOrWhiteSpace(own) ? style : style + "; " + own);
            }
        };
        return sanitizer;
    }

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        // Forms do nothing in a mail client but collect what a reader types for someone else.
        foreach (var tag in new[] { "form", "input", "button", "select", "option", "optgroup", "textarea", "fieldset", "legend", "label", "datalist", "output", "meter", "progress" })
            sanitizer.AllowedTags.Remove(tag);
        // Style sheets are kept for inlining and media queries; the sanitiser cleans their rules as it does style attributes.
        sanitizer.AllowedTags.Add("style");
        sanitizer.AllowedAtRules.Add(CssRuleType.Media);
        sanitizer.AllowedAttributes.Add("class");
        sanitizer.AllowedAttributes.Add("id");
        sanitizer.AllowedSchemes.Add("mailto");
        sanitizer.AllowedSchemes.Add("tel");
        return sanitizer;
    }

    /// <summary>The characters inside style elements, and their rules counted by their opening braces.</summary>
    private static (int Length, long Rules) MeasureStyles(string html)
    {
        var length = 0;
        long rules = 0;
        var at = 0;
        while ((at = html.IndexOf("<style", at, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            var start = html.IndexOf('>', at);
            if (start < 0) break;
            var end = html.IndexOf("</style", start, StringComparison.OrdinalIgnoreCase);
            if (end < 0) end = html.Length;
            length += end - start - 1;
            rules += html.AsSpan(start, end - start).Count('{');
            at = end;
        }
        return (length, rules);
    }

    private static long CountElements(string html)
    {
        long count = 0;
        for (var i = 0; i < html.Length - 1; i++)
        {
            if (html[i] == '<' && char.IsAsciiLetter(html[i + 1])) count++;
        }
        return count;
    }
}
