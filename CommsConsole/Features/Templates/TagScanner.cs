using System.Text.RegularExpressions;

namespace CommsConsole.Features.Templates;

/// <summary>
/// Checks the structure of a template before Scriban parses it: every <c>{{</c> and <c>{%</c> closed, only Liquid's
/// tags, every block closed by its own end tag, and nesting bounded (the parser recurses once per level). Gives
/// Liquid's wording and the position of the tag at fault, which Scriban's messages word in its own terms.
/// </summary>
internal static partial class TagScanner
{
    private static readonly HashSet<string> Blocks = ["if", "unless", "for", "case", "capture", "tablerow", "ifchanged", "comment", "raw"];

    /// <summary>Liquid's other tags; anything else (which Scriban would read as an expression) is refused.</summary>
    private static readonly HashSet<string> Tags = ["elsif", "else", "when", "assign", "cycle", "increment", "decrement", "include", "break", "continue"];

    [GeneratedRegex(@"\{\{|\{%", RegexOptions.CultureInvariant)]
    private static partial Regex Opening();

    [GeneratedRegex(@"\{%-?\s*(\w+)", RegexOptions.CultureInvariant)]
    private static partial Regex TagStart();

    [GeneratedRegex(@"\{%-?\s*(assign|capture)\s+([\w-]+)\s*=?(.*?)-?%\}", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex Binding();

    [GeneratedRegex(@"\{\{-?(.*?)-?\}\}", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex Output();

    public static TemplateError? Scan(string source, int maxNesting)
    {
        if (Unclosed(source) is { } unclosed) return unclosed;
        var stack = new Stack<(string Name, int Index)>();
        string? verbatim = null; // inside raw or comment, only its end tag counts
        var loops = 0;
        var loopBound = new HashSet<string>(StringComparer.Ordinal); // assigned or captured inside a loop
        var capturing = new Stack<string>();
        foreach (Match m in TagStart().Matches(source))
        {
            var name = m.Groups[1].Value;
            if (verbatim is null && loops > 0 && name is "assign" or "capture" && GrowsInLoop(source, m.Index, loopBound, capturing) is { } growth)
            {
                return LiquidTemplateEngine.At(source, m.Index, growth);
            }
            if (verbatim is not null)
            {
                if (name == "end" + verbatim)
                {
                    stack.Pop();
                    verbatim = null;
                }
                continue;
            }
            if (Blocks.Contains(name))
            {
                if (name is "for" or "tablerow") loops++;
                stack.Push((name, m.Index));
                if (stack.Count > maxNesting) return LiquidTemplateEngine.At(source, m.Index, $"Blocks are nested more than {maxNesting} deep");
                if (name is "raw" or "comment") verbatim = name;
            }
            else if (name == "param")
            {
                var using_ = Regex.IsMatch(source[(m.Index + m.Length)..Math.Min(source.Length, m.Index + m.Length + 40)], @"^\s*using\b", RegexOptions.IgnoreCase);
                return LiquidTemplateEngine.At(source, m.Index, using_ ? "Tag 'param using' is not allowed: templates cannot add filters" : "Unknown tag 'param'");
            }
            else if (!Tags.Contains(name) && !(name.StartsWith("end", StringComparison.Ordinal) && Blocks.Contains(name[3..])))
            {
                return LiquidTemplateEngine.At(source, m.Index, $"Unknown tag '{name}'");
            }
            else if (name.StartsWith("end", StringComparison.Ordinal) && Blocks.Contains(name[3..]))
            {
                var opened = name[3..];
                if (stack.Count == 0) return LiquidTemplateEngine.At(source, m.Index, $"Tag '{name}' has no matching '{opened}'");
                var (top, topIndex) = stack.Peek();
                if (top != opened)
                {
                    var where = LiquidTemplateEngine.At(source, topIndex, "");
                    return LiquidTemplateEngine.At(source, m.Index, $"Tag '{name}' closes '{top}' opened at line {where.Line}, column {where.Column}");
                }
                stack.Pop();
                if (opened is "for" or "tablerow") loops--;
                if (opened == "capture" && capturing.Count > 0) capturing.Pop();
            }
        }
        if (stack.Count > 0)
        {
            var (name, index) = stack.Peek();
            return LiquidTemplateEngine.At(source, index, $"Tag '{name}' was never closed");
        }
        return null;
    }

    /// <summary>The first <c>{{</c> or <c>{%</c> with no closing <c>}}</c> or <c>%}</c> after it (text inside raw blocks aside).</summary>
    private static TemplateError? Unclosed(string source)
    {
        var rawEnd = -1;
        for (var m = Opening().Match(source); m.Success; m = Opening().Match(source, Math.Max(m.Index + 2, rawEnd)))
        {
            if (m.Index < rawEnd) continue;
            var isTag = m.Value == "{%";
            var close = source.IndexOf(isTag ? "%}" : "}}", m.Index + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                var end = source.IndexOfAny(['\r', '\n'], m.Index);
                var fragment = source[m.Index..(end < 0 ? source.Length : end)].Trim();
                if (fragment.Length > 40) fragment = fragment[..40] + "…";
                return LiquidTemplateEngine.At(source, m.Index, isTag ? $"Tag '{fragment}' was not closed with '%}}'" : $"Variable '{fragment}' was not closed with '}}}}'");
            }
            rawEnd = isTag && Regex.IsMatch(source.AsSpan(m.Index, close - m.Index), @"^\{%-?\s*raw\b")
                ? IndexAfter(source, "endraw", close)
                : close + 2;
        }
        return null;
    }

    private static int IndexAfter(string source, string tag, int from)
    {
        var at = source.IndexOf(tag, from, StringComparison.Ordinal);
        return at < 0 ? source.Length : at;
    }

    /// <summary>
    /// Inside a loop, a variable built from a variable that the loop itself rebinds can double on every
    /// iteration (assign s = s | append: s), exhausting memory long before any time limit is checked.
    /// Such templates are refused; building from outside values is fine.
    /// </summary>
    private static string? GrowsInLoop(string source, int index, HashSet<string> loopBound, Stack<string> capturing)
    {
        var binding = Binding().Match(source, index);
        if (!binding.Success || binding.Index != index) return null;
        var (kind, target, expression) = (binding.Groups[1].Value, binding.Groups[2].Value, binding.Groups[3].Value);
        loopBound.Add(target);
        if (kind == "capture")
        {
            // The capture's body is checked for outputs of loop-bound variables up to its end tag.
            var end = source.IndexOf("endcapture", index, StringComparison.Ordinal);
            var body = end < 0 ? source[index..] : source[index..end];
            foreach (Match output in Output().Matches(body))
            {
                if (ReadsAny(output.Groups[1].Value, loopBound)) return $"Capture of '{target}' inside a loop reads a variable the loop rebinds; it could grow without limit";
            }
            capturing.Push(target);
            return null;
        }
        return ReadsAny(expression, loopBound) ? $"Assignment to '{target}' inside a loop reads a variable the loop rebinds; it could grow without limit" : null;
    }

    private static bool ReadsAny(string expression, HashSet<string> names)
    {
        foreach (Match id in Regex.Matches(Regex.Replace(expression, @"'[^']*'|""[^""]*""", ""), @"(?<![\w.])([A-Za-z_][\w-]*)"))
        {
            if (names.Contains(id.Groups[1].Value)) return true;
        }
        return false;
    }
}
