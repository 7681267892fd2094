using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace CommsConsole.Features.Common;

/// <summary>Email addresses in their plain form (no display names), with the domain lower-cased.</summary>
public static partial class EmailAddresses
{
    [GeneratedRegex(@"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")]
    private static partial Regex Label();

    public static bool TryNormalize(string? input, [NotNullWhen(true)] out string? normalized, [NotNullWhen(false)] out ErrorText? error)
    {
        normalized = null;
        var s = input?.Trim() ?? "";
        error = ErrorText.Of($"'{Phones.Echo(s)}' is not a valid email address");
        if (s.Length is 0 or > 254) return false;
        var at = s.IndexOf('@');
        if (at <= 0 || at != s.LastIndexOf('@') || at > 64) return false;
        var local = s[..at];
        var domain = s[(at + 1)..];
        if (local.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or '(' or ')' or ',' or ';' or ':' or '"' or '[' or ']' or '\\'))
            return false;
        if (local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal)) return false;
        var labels = domain.Split('.');
        if (labels.Length < 2 || !labels.All(l => Label().IsMatch(l))) return false;
        normalized = local + "@" + domain.ToLowerInvariant();
        error = null;
        return true;
    }
}
