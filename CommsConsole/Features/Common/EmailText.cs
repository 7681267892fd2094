using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace CommsConsole.Features.Common;

/// <summary>
/// The plain-text alternative of an HTML email, read from the HTML with a parser (AngleSharp): paragraphs and headings
/// as blank-line separated blocks, line breaks kept, list items as "- " or "1. " bullets (indented when nested), links as
/// <c>text (address)</c>, images by their alt text, table cells side by side, and no script, style or head text.
/// </summary>
public static class EmailText
{
    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase) { "script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg" };
    private static readonly HashSet<string> Paragraphs = new(StringComparer.OrdinalIgnoreCase)
        { "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl", "figure", "address" };
    private static readonly HashSet<string> Lines = new(StringComparer.OrdinalIgnoreCase)
        { "div", "tr", "section", "article", "header", "footer", "main", "nav", "aside", "dt", "dd", "caption", "center", "tbody", "thead", "tfoot" };

    public static string FromHtml(string html)
    {
        var document = new HtmlParser().ParseDocument(html ?? "");
        var writer = new Writer();
        Walk(document.Body ?? (INode?)document.DocumentElement ?? document, writer, 0, false);
        return writer.ToString();
    }

    private static void Walk(INode node, Writer writer, int depth, bool pre)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText text:
                    writer.Text(text.Data, pre);
                    break;
                case IElement element:
                    Element(element, writer, depth, pre);
                    break;
            }
        }
    }

    private static void Element(IElement element, Writer writer, int depth, bool pre)
    {
        var name = element.LocalName;
        if (Skipped.Contains(name)) return;
        switch (name)
        {
            case "br":
                writer.LineBreak();
                return;
            case "hr":
                writer.Break(2);
                writer.Raw("----------");
                writer.Break(2);
                return;
            case "img":
                if (element.GetAttribute("alt") is { Length: > 0 } alt && !string.IsNullOrWhiteSpace(alt)) writer.Text(alt, false);
                return;
            case "li":
                writer.Break(1);
                var list = element.ParentElement;
                var bullet = list is { LocalName: "ol" } ? (Index(element) + Start(list)) + ". " : "- ";
                writer.Raw(new string(' ', Math.Max(0, depth - 1) * 2) + bullet);
                Walk(element, writer, depth, pre);
                writer.Break(1);
                return;
            case "ul" or "ol":
                writer.Break(depth == 0 ? 2 : 1);
                Walk(element, writer, depth + 1, pre);
                writer.Break(depth == 0 ? 2 : 1);
                return;
            case "td" or "th":
                if (element.PreviousElementSibling is not null) writer.Space(2);
                Walk(element, writer, depth, pre);
                return;
            case "a":
                Link(element, writer, depth, pre);
                return;
        }
        var block = Paragraphs.Contains(name) ? 2 : Lines.Contains(name) ? 1 : 0;
        if (block > 0) writer.Break(block);
        Walk(element, writer, depth, pre || name == "pre");
        if (block > 0) writer.Break(block);
    }

    /// <summary>A link as its text and, where the text does not already say it, its address in brackets.</summary>
    private static void Link(IElement a, Writer writer, int depth, bool pre)
    {
        var start = writer.Mark();
        Walk(a, writer, depth, pre);
        var href = a.GetAttribute("href")?.Trim();
        if (string.IsNullOrEmpty(href) || href.StartsWith('#')) return;
        var text = writer.Since(start).Trim();
        var shown = href.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) ? href[7..] : href.StartsWith("tel:", StringComparison.OrdinalIgnoreCase) ? href[4..] : href;
        if (text.Length == 0) writer.Text(shown, false);
        else if (!string.Equals(text, shown, StringComparison.OrdinalIgnoreCase) && !string.Equals(text, href, StringComparison.OrdinalIgnoreCase)) writer.Raw(" (" + shown + ")");
    }

    private static int Index(IElement item)
    {
        var index = 0;
        for (var e = item.PreviousElementSibling; e is not null; e = e.PreviousElementSibling)
        {
            if (e.LocalName == "li") index++;
        }
        return index;
    }

    private static int Start(IElement list) => int.TryParse(list.GetAttribute("start"), out var start) ? start : 1;

    /// <summary>Text with HTML's whitespace collapsed, and breaks between blocks asked for rather than written, so they never pile up.</summary>
    private sealed class Writer
    {
        private readonly StringBuilder _text = new();
        private int _breaks;
        private bool _space;

        public int Mark() => _text.Length;

        public string Since(int mark) => _text.ToString(mark, _text.Length - mark);

        public void Break(int lines)
        {
            if (_text.Length == 0) return;
            _breaks = Math.Max(_breaks, lines);
            _space = false;
        }

        public void LineBreak()
        {
            if (_text.Length == 0) return;
            _breaks = Math.Min(_breaks + 1, 2);
            _space = false;
        }

        public void Space(int count)
        {
            if (_breaks == 0 && _text.Length > 0) _text.Append(' ', count);
            _space = false;
        }

        public void Raw(string text)
        {
            if (text.StartsWith(' ')) _space = false;
            Flush();
            _text.Append(text);
        }

        public void Text(string text, bool pre)
        {
            if (pre)
            {
                Flush();
                _text.Append(text.Replace("\r\n", "\n"));
                return;
            }
            foreach (var c in text)
            {
                if (char.IsWhiteSpace(c) && c != '\u00a0')
                {
                    _space = true;
                    continue;
                }
                if (_breaks > 0) Flush();
                else if (_space && _text.Length > 0 && _text[^1] is not ('\n' or ' ')) _text.Append(' ');
                _space = false;
                _text.Append(c == '\u00a0' ? ' ' : c);
            }
        }

        private void Flush()
        {
            if (_breaks > 0 && _text.Length > 0)
            {
                while (_text.Length > 0 && _text[^1] == ' ') _text.Length--;
                _text.Append('\n', _breaks);
            }
            else if (_space && _text.Length > 0 && _text[^1] is not ('\n' or ' ')) _text.Append(' ');
            _breaks = 0;
            _space = false;
        }

        public override string ToString()
        {
            var lines = _text.ToString().Split('\n').Select(l => l.TrimEnd());
            var result = new StringBuilder();
            var blank = 0;
            foreach (var line in lines)
            {
                if (line.Length == 0 && ++blank > 1) continue;
                if (line.Length > 0) blank = 0;
                result.Append(line).Append('\n');
            }
            return result.ToString().Trim('\n', ' ');
        }
    }
}
