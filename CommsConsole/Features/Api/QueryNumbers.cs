using System.Globalization;

namespace CommsConsole.Features.Api;

/// <summary>Whole numbers in query strings, read alike by every endpoint (ASCII digits only: no sign, no other script).</summary>
public static class QueryNumbers
{
    /// <summary>A number of 1 or more, or <paramref name="fallback"/> when the parameter is absent or blank.</summary>
    public static bool TryParsePositive(string? raw, int fallback, out int value)
    {
        if (string.IsNullOrWhiteSpace(raw)) { value = fallback; return true; }
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1;
    }

    /// <summary>An id of 1 or more, or null when the parameter is absent or blank.</summary>
    public static bool TryParseId(string? raw, out long? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(raw)) return true;
        if (!long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1) return false;
        value = id;
        return true;
    }
}
