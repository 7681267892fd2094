using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PhoneNumbers;

namespace CommsConsole.Features.Common;

/// <summary>
/// Phone numbers as document 003 writes them (a mainland China mobile, 1[3-9] and 9 more digits) or in
/// international E.164 form, checked by libphonenumber.
/// </summary>
public static partial class Phones
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    [GeneratedRegex(@"^1[3-9]\d{9}$")]
    private static partial Regex Mainland();

    /// <summary>
    /// The one canonical form of a phone number, before it is validated, capped, checked against opt-outs, stored or sent:
    /// a mainland mobile as its 11 digits, any other number in E.164. Digits of any one script (full-width １３８…,
    /// Arabic-Indic ١٣٨…) become ASCII; a number mixing digits of several scripts, or holding anything but digits, one
    /// leading plus and spacing, is refused.
    /// </summary>
    public static bool TryNormalize(string? input, [NotNullWhen(true)] out string? normalized, [NotNullWhen(false)] out ErrorText? error)
    {
        normalized = null;
        var raw = input?.Trim() ?? "";
        if (raw.Length == 0)
        {
            error = ErrorText.Of("phone number is empty");
            return false;
        }
        var s = raw.Length <= 64 ? Ascii(raw) : null;
        if (s is not null && s.Length <= 20)
        {
            foreach (var prefix in new[] { "+86", "0086", "86" })
            {
                if (s.StartsWith(prefix, StringComparison.Ordinal) && Mainland().IsMatch(s[prefix.Length..]))
                {
                    s = s[prefix.Length..];
                    break;
                }
            }
            if (Mainland().IsMatch(s))
            {
                normalized = s;
                error = null;
                return true;
            }
            if (s.StartsWith('+'))
            {
                try
                {
                    var number = Util.Parse(s, "ZZ");
                    if (Util.IsValidNumber(number))
                    {
                        normalized = Util.Format(number, PhoneNumberFormat.E164);
                        error = null;
                        return true;
                    }
                }
                catch (NumberParseException)
                {
                    // Reported below like any other invalid number.
                }
            }
        }
        error = ErrorText.Of($"'{Echo(raw)}' is not a valid phone number: expected 1[3-9]xxxxxxxxx or +<country code><number>");
        return false;
    }

    /// <summary>
    /// The number in ASCII (an optional leading plus, then digits), or null when it holds anything else or digits of
    /// more than one script. libphonenumber maps the digits themselves.
    /// </summary>
    private static string? Ascii(string raw)
    {
        var digits = new StringBuilder(raw.Length);
        var plus = false;
        var zero = -1;
        var count = 0;
        foreach (var rune in raw.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.DecimalDigitNumber)
            {
                // Each script's digits are ten consecutive code points: the same zero means the same script.
                var ownZero = rune.Value - (int)Rune.GetNumericValue(rune);
                if (zero >= 0 && ownZero != zero) return null;
                zero = ownZero;
                digits.Append(rune.ToString());
                count++;
            }
            else if (rune.Value is '+' or '\uFF0B' && digits.Length == 0 && !plus) plus = true;
            else if (!(Rune.IsWhiteSpace(rune) || rune.Value is '-' or '(' or ')' or '\uFF0D' or '\uFF08' or '\uFF09')) return null;
        }
        var ascii = PhoneNumberUtil.NormalizeDigitsOnly(digits.ToString());
        // Every digit must have been mapped: a digit libphonenumber does not know is refused rather than dropped.
        if (ascii.Length != count) return null;
        return (plus ? "+" : "") + ascii;
    }

    internal static string Echo(string raw) => raw.Length <= 40 ? raw : raw[..40] + "…";
}
