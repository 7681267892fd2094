using System.Text.RegularExpressions;

namespace CommsConsole.Features.Templates;

/// <summary>The root variables a template reads, in first-use order, without those it binds itself.</summary>
internal static partial class VariableFinder
{
    private static readonly HashSet<string> Keywords =
    [
        "and", "or", "not", "contains", "in", "with", "true", "false", "nil", "null", "empty", "blank", "forloop", "tablerowloop",
        "if", "elsif", "else", "unless", "for", "case", "when", "capture", "assign", "cycle", "increment", "decrement", "tablerow",
        "break", "continue", "raw", "comment", "include", "limit", "offset", "reversed", "cols", "ifchanged",
    ];

    [GeneratedRegex(@"\{\{-?(.*?)-?\}\}|\{%-?(.*?)-?%\}", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Markup();

    [GeneratedRegex(@"'[^']*'|""[^""]*""", RegexOptions.CultureInvariant)]
    private static partial Regex Strings();

    [GeneratedRegex(@"(?<![\w.\]])([A-Za-z_][\w-]*)", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();

    public static IReadOnlyList<string> Find(string source)
    {
        var found = new List<string>();
        var bound = new HashSet<string>(StringComparer.Ordinal);
        var verbatim = false;
        foreach (Match m in Markup().Matches(source))
        {
            var isTag = m.Groups[2].Success;
            var text = Strings().Replace(isTag ? m.Groups[2].Value : m.Groups[1].Value, "\"\"").Trim();
            if (isTag)
            {
                var name = text.Split([' ', '\t', '\n', '\r'], 2)[0];
                if (verbatim) { verbatim = name is not ("endraw" or "endcomment"); continue; }
                if (name is "raw" or "comment") { verbatim = true; continue; }
                var rest = text.Length > name.Length ? text[name.Length..] : "";
                switch (name)
                {
                    case "for" or "tablerow":
                        var parts = rest.Split(" in ", 2, StringSplitOptions.TrimEntries);
                        bound.Add(parts[0]);
                        rest = parts.Length > 1 ? parts[1] : "";
                        break;
                    case "assign":
                        var eq = rest.IndexOf('=');
                        if (eq > 0) bound.Add(rest[..eq].Trim());
                        rest = eq > 0 ? rest[(eq + 1)..] : "";
                        break;
                    case "capture" or "increment" or "decrement":
                        bound.Add(rest.Trim());
                        rest = "";
                        break;
                    case "include" or "cycle":
                        rest = "";
                        break;
                }
                text = rest;
            }
            else if (verbatim)
            {
                continue;
            }
            // Filter names follow '|'; their arguments (after ':') may be variables.
            var segments = text.Split('|');
            for (var i = 0; i < segments.Length; i++)
            {
                var segment = segments[i];
                if (i > 0)
                {
                    var colon = segment.IndexOf(':');
                    segment = colon < 0 ? "" : segment[(colon + 1)..];
                }
                foreach (Match id in Identifier().Matches(segment))
                {
                    var name = id.Groups[1].Value;
                    if (Keywords.Contains(name) || bound.Contains(name) || found.Contains(name)) continue;
                    found.Add(name);
                }
            }
        }
        return found;
    }
}
