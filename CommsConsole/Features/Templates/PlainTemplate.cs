using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using DotLiquid;
using LiquidTemplate = DotLiquid.Template;

namespace CommsConsole.Features.Templates;

/// <summary>
/// A parsed template made only of text and bare <c>{{ name }}</c> outputs (no filters, tags or member access),
/// rendered by filling the holes directly. Built from DotLiquid's own parse, so whitespace control and text
/// are exactly what DotLiquid would output. Immutable, so safe to share between threads.
/// </summary>
internal sealed partial class PlainTemplate
{
    // Names DotLiquid resolves as literals rather than variables.
    private static readonly HashSet<string> Literals = ["nil", "null", "true", "false", "empty", "blank"];

    [ThreadStatic] private static StringBuilder? _buffer;

    // Either literal text (IsVariable false) or a variable name.
    private readonly (string Text, bool IsVariable)[] _parts;

    private PlainTemplate((string, bool)[] parts) => _parts = parts;

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex BareName();

    public static PlainTemplate? TryCreate(LiquidTemplate template)
    {
        var nodes = template.Root?.NodeList;
        if (nodes is null) return null;
        var parts = new List<(string, bool)>(nodes.Count);
        foreach (var node in nodes)
        {
            switch (node)
            {
                case string text:
                    parts.Add((text, false));
                    break;
                case Variable v when v.Filters.Count == 0 && v.Name is { } name && BareName().IsMatch(name) && !Literals.Contains(name):
                    parts.Add((name, true));
                    break;
                default:
                    return null;
            }
        }
        return new PlainTemplate([.. parts]);
    }

    /// <summary>DotLiquid's Hash matches names ignoring case; the exact name is tried first as the common case.</summary>
    private static string? Find(IReadOnlyDictionary<string, string> variables, string name)
    {
        if (variables.TryGetValue(name, out var value)) return value;
        foreach (var (key, candidate) in variables)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) value = candidate;
        }
        return value;
    }

    /// <summary>The output, or null when it would be longer than <paramref name="maxLength"/>.</summary>
    public string? Render(IReadOnlyDictionary<string, string> variables, bool htmlEncode, int maxLength)
    {
        var buffer = _buffer ?? new StringBuilder(256);
        _buffer = null; // not shared with a nested render on this thread
        try
        {
            foreach (var (text, isVariable) in _parts)
            {
                if (!isVariable) buffer.Append(text);
                else if (Find(variables, text) is { } value)
                {
                    buffer.Append(htmlEncode ? WebUtility.HtmlEncode(value) : value);
                }
                if (buffer.Length > maxLength) return null;
            }
            return buffer.ToString();
        }
        finally
        {
            buffer.Clear();
            if (buffer.Capacity <= 16 * 1024) _buffer = buffer;
        }
    }
}
