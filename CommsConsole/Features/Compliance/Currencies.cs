using System.Collections.Frozen;
using System.Globalization;

namespace CommsConsole.Features.Compliance;

/// <summary>
/// The ISO 4217 currency codes a tenant can price in: those of the regions the platform's ICU data knows, so the list
/// follows the runtime rather than a table kept by hand.
/// </summary>
public static class Currencies
{
    public const string Fallback = "CNY";

    public static readonly FrozenSet<string> Known = CultureInfo.GetCultures(CultureTypes.SpecificCultures)
        .Select(c => { try { return new RegionInfo(c.Name).ISOCurrencySymbol; } catch (ArgumentException) { return null; } })
        .Where(code => code is { Length: 3 } && code.All(char.IsAsciiLetterUpper))
        .Append(Fallback)
        .ToFrozenSet(StringComparer.Ordinal)!;

    /// <summary>The canonical code for <paramref name="code"/> (trimmed, upper case), or null when it is not a known currency.</summary>
    public static string? Find(string? code)
    {
        if (string.IsNullOrWhiteSpace(code)) return null;
        var upper = code.Trim().ToUpperInvariant();
        return upper.Length == 3 && Known.Contains(upper) ? upper : null;
    }

    /// <summary><c>12.50 CNY</c>: an amount with its currency, digits in <paramref name="culture"/>'s style.</summary>
    public static string Format(decimal amount, string currency, CultureInfo culture, string format = "N2") =>
        amount.ToString(format, culture) + " " + currency;
}
