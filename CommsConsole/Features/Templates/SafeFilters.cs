using System.Collections;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Scriban;
using Scriban.Functions;
using Scriban.Parsing;
using Scriban.Runtime;

namespace CommsConsole.Features.Templates;

/// <summary>
/// Every filter a template can call, with Liquid's names and Liquid's results, each claiming the value it builds
/// from the render's <see cref="RenderBudget"/> before building it where the result can outgrow its input many
/// times over (replace, join, times, append...), and checking it after where it cannot. Lists are read through
/// the budget, so a huge range is refused rather than walked. Variables are strings (document 000), so the math
/// filters read numeric strings as numbers, as Liquid does (Scriban's Liquid mode would give "41" | plus: 1 = "411").
/// Only filters: every public static method of this class becomes one.
/// </summary>
internal static partial class SafeFilters
{
    /// <summary>Filters live under names a template cannot spell, so no variable can hide one.</summary>
    public const string Prefix = "liquid:";

    /// <summary>Liquid's spelling where it is not the method name in snake_case.</summary>
    private static readonly Dictionary<string, string> Aliases = new()
    {
        ["truncatewords"] = "truncate_words", ["h"] = "escape",
    };

    public static readonly ScriptObject Functions = Build(out Names);

    /// <summary>The filter names a template may use.</summary>
    public static readonly IReadOnlySet<string> Names;

    private static ScriptObject Build(out IReadOnlySet<string> names)
    {
        var functions = new ScriptObject();
        var found = new HashSet<string>(StringComparer.Ordinal);
        functions.Import(typeof(SafeFilters), ScriptMemberImportFlags.Method, m => m is MethodInfo { IsPublic: true, IsStatic: true },
            m => { var name = StandardMemberRenamer.Rename(m.Name); found.Add(name); return Prefix + name; });
        foreach (var (alias, target) in Aliases)
        {
            functions.SetValue(Prefix + alias, functions[Prefix + target], true);
            found.Add(alias);
        }
        names = found;
        return functions;
    }

    private static RenderBudget Budget => RenderBudget.Current;

    private static string Checked(string value)
    {
        Budget.Claim(value.Length);
        return value;
    }

    private static string Text(TemplateContext context, object? value) => value switch
    {
        null => "",
        string s => s,
        _ => context.ObjectToString(value) ?? "",
    };

    private static List<object?> List(object? input) => input switch
    {
        null => [],
        string s => [s],
        IEnumerable e => Budget.Items(e),
        _ => [input],
    };

    // ---------------------------------------------------------------- text

    public static string Upcase(TemplateContext context, object? input) => Checked(Text(context, input).ToUpperInvariant());
    public static string Downcase(TemplateContext context, object? input) => Checked(Text(context, input).ToLowerInvariant());

    public static string Capitalize(TemplateContext context, object? input)
    {
        var s = Text(context, input);
        return s.Length == 0 ? s : Checked(char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant());
    }

    public static string Strip(TemplateContext context, object? input) => Text(context, input).Trim();
    public static string Lstrip(TemplateContext context, object? input) => Text(context, input).TrimStart();
    public static string Rstrip(TemplateContext context, object? input) => Text(context, input).TrimEnd();
    public static string StripNewlines(TemplateContext context, object? input) => Checked(Text(context, input).Replace("\r", "").Replace("\n", ""));
    public static string NewlineToBr(TemplateContext context, object? input) => Replace(context, Text(context, input).Replace("\r\n", "\n"), "\n", "<br />\n");
    public static string Escape(TemplateContext context, object? input) => Checked(WebUtility.HtmlEncode(Text(context, input)));
    public static string EscapeOnce(TemplateContext context, object? input) => Checked(WebUtility.HtmlEncode(WebUtility.HtmlDecode(Text(context, input))));
    public static string UrlEncode(TemplateContext context, object? input) => Checked(WebUtility.UrlEncode(Text(context, input)));
    public static string UrlDecode(TemplateContext context, object? input) => Checked(WebUtility.UrlDecode(Text(context, input)));
    public static string Base64Encode(TemplateContext context, object? input) => Checked(Convert.ToBase64String(Encoding.UTF8.GetBytes(Text(context, input))));

    public static string Base64Decode(TemplateContext context, object? input)
    {
        try
        {
            return Checked(Encoding.UTF8.GetString(Convert.FromBase64String(Text(context, input))));
        }
        catch (FormatException)
        {
            throw new ArgumentException("base64_decode: the text is not Base64");
        }
    }

    [GeneratedRegex(@"<script.*?</script>|<!--.*?-->|<style.*?</style>", RegexOptions.Singleline | RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 250)]
    private static partial Regex HtmlBlocks();

    [GeneratedRegex(@"<.*?>", RegexOptions.Singleline, matchTimeoutMilliseconds: 250)]
    private static partial Regex HtmlTags();

    public static string StripHtml(TemplateContext context, object? input) => HtmlTags().Replace(HtmlBlocks().Replace(Text(context, input), ""), "");

    public static string Truncate(TemplateContext context, object? input, int length = 50, string? ellipsis = "...")
    {
        var s = Text(context, input);
        ellipsis ??= "";
        if (s.Length <= length) return s;
        var keep = Math.Max(0, length - ellipsis.Length);
        return Checked(string.Concat(s.AsSpan(0, keep), ellipsis));
    }

    public static string TruncateWords(TemplateContext context, object? input, int words = 15, string? ellipsis = "...")
    {
        var s = Text(context, input);
        var parts = s.Split((char[]?)null, Math.Max(1, words) + 1, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length <= Math.Max(1, words)) return s;
        return Checked(string.Join(' ', parts, 0, Math.Max(1, words)) + ellipsis);
    }

    public static object Slice(TemplateContext context, object? input, int offset, int length = 1)
    {
        if (input is IEnumerable e and not string)
        {
            var items = Budget.Items(e);
            var (from, count) = Range(items.Count, offset, length);
            return items.GetRange(from, count);
        }
        var s = Text(context, input);
        var (start, take) = Range(s.Length, offset, length);
        return s.Substring(start, take);
    }

    private static (int From, int Count) Range(int size, int offset, int length)
    {
        var from = offset < 0 ? Math.Max(0, size + offset) : Math.Min(offset, size);
        return (from, Math.Clamp(length, 0, size - from));
    }

    /// <summary>Replaces text literally, as Liquid does.</summary>
    public static string Replace(TemplateContext context, object? input, object? @string, object? replacement = null)
    {
        var s = Text(context, input);
        var find = Text(context, @string);
        var with = Text(context, replacement);
        if (s.Length == 0 || find.Length == 0) return s;
        long count = 0;
        for (var at = s.IndexOf(find, StringComparison.Ordinal); at >= 0; at = s.IndexOf(find, at + find.Length, StringComparison.Ordinal)) count++;
        Budget.Claim(s.Length + count * (with.Length - find.Length));
        return s.Replace(find, with, StringComparison.Ordinal);
    }

    /// <summary>Replaces the first occurrence literally.</summary>
    public static string ReplaceFirst(TemplateContext context, object? input, object? @string, object? replacement = null)
    {
        var s = Text(context, input);
        var find = Text(context, @string);
        var with = Text(context, replacement);
        var at = find.Length == 0 ? -1 : s.IndexOf(find, StringComparison.Ordinal);
        if (at < 0) return s;
        Budget.Claim((long)s.Length - find.Length + with.Length);
        return string.Concat(s.AsSpan(0, at), with, s.AsSpan(at + find.Length));
    }

    public static string Remove(TemplateContext context, object? input, object? @string) => Replace(context, input, @string, "");
    public static string RemoveFirst(TemplateContext context, object? input, object? @string) => ReplaceFirst(context, input, @string, "");

    public static string Append(TemplateContext context, object? input, object? @string)
    {
        var (a, b) = (Text(context, input), Text(context, @string));
        Budget.Claim((long)a.Length + b.Length);
        return a + b;
    }

    public static string Prepend(TemplateContext context, object? input, object? @string)
    {
        var (a, b) = (Text(context, input), Text(context, @string));
        Budget.Claim((long)a.Length + b.Length);
        return b + a;
    }

    public static object Split(TemplateContext context, object? input, object? pattern = null)
    {
        var s = Text(context, input);
        var by = Text(context, pattern);
        // At most one item per character of the input, and no more text than the input holds.
        Budget.Claim(2L * s.Length);
        var parts = by.Length == 0 ? s.Select(c => c.ToString()).ToList() : [.. s.Split(by)];
        // Liquid (Ruby's split) drops trailing empty items.
        while (parts.Count > 0 && parts[^1].Length == 0) parts.RemoveAt(parts.Count - 1);
        return new ScriptArray(parts);
    }

    public static string Join(TemplateContext context, object? input, object? glue = null)
    {
        var separator = glue is null ? " " : Text(context, glue);
        var budget = Budget;
        var text = new StringBuilder();
        var n = 0;
        foreach (var item in input is IEnumerable e and not string ? e : new[] { input })
        {
            var part = Text(context, item);
            var grown = text.Length + (n == 0 ? 0L : separator.Length) + part.Length;
            if ((++n & 255) == 0) budget.CheckTime();
            if (grown > budget.MaxValueLength) budget.Claim(grown);
            if (n > 1) text.Append(separator);
            text.Append(part);
        }
        budget.Claim(text.Length);
        return text.ToString();
    }

    // ---------------------------------------------------------------- lists

    public static int Size(TemplateContext context, object? input) => input switch
    {
        null => 0,
        string s => s.Length,
        ICollection c => c.Count,
        IEnumerable e => Budget.Items(e).Count,
        _ => Text(context, input).Length,
    };

    public static object? First(object? input) => input is IEnumerable e and not string ? Budget.Items(e).FirstOrDefault() : null;
    public static object? Last(object? input) => input is IEnumerable e and not string ? Budget.Items(e).LastOrDefault() : null;
    public static object Reverse(object? input) => Enumerable.Reverse(List(input)).ToList();
    public static object Compact(object? input) => List(input).Where(x => x is not null).ToList();
    public static object Uniq(object? input) => List(input).Distinct().ToList();

    public static object Concat(object? input, object? other)
    {
        var left = List(input);
        var right = List(other);
        Budget.Claim(left.Count + right.Count);
        return left.Concat(right).ToList();
    }

    public static object Sort(object? input) => SortBy(input, Comparer<object?>.Create(Compare));

    public static object SortNatural(TemplateContext context, object? input) =>
        SortBy(input, Comparer<object?>.Create((a, b) => string.Compare(Text(context, a), Text(context, b), StringComparison.OrdinalIgnoreCase)));

    private static List<object?> SortBy(object? input, IComparer<object?> comparer)
    {
        var items = List(input);
        items.Sort(comparer);
        return items;
    }

    private static int Compare(object? a, object? b) =>
        (a, b) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            _ when Number(a) is { } x && Number(b) is { } y => x.CompareTo(y),
            _ => string.CompareOrdinal(a.ToString(), b.ToString()),
        };

    public static object? Cycle(TemplateContext context, SourceSpan span, IList values, object? group = null) =>
        ArrayFunctions.Cycle(context, span, values, group);

    public static object? Default(object? input, object? value = null, bool allow_false = false) =>
        input switch
        {
            null => value,
            string { Length: 0 } => value,
            false when !allow_false => value,
            IEnumerable e and not string when !e.GetEnumerator().MoveNext() => value,
            _ => input,
        };

    /// <summary>Refused: templates are self-contained; nothing is read from disk or anywhere else.</summary>
    public static object Include(params object?[] _) => throw new RenderLimitException("templates cannot include other files");

    // ---------------------------------------------------------------- numbers (Liquid: numeric strings are numbers)

    /// <summary>A number, or a string holding one, as a decimal; null for anything else.</summary>
    private static decimal? Number(object? value) => value switch
    {
        int i => i,
        long l => l,
        decimal d => d,
        double f when double.IsFinite(f) && Math.Abs(f) < 7.9e28 => (decimal)f,
        float f when float.IsFinite(f) => (decimal)f,
        string s when decimal.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    /// <summary>Liquid keeps integers integral: 20 / 3 is 6, 20.0 / 3 is 6.666...</summary>
    private static bool IsIntegral(object? value) => value switch
    {
        int or long => true,
        string s => long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
        _ => false,
    };

    private static decimal Numeric(object? value, string filter) =>
        Number(value) ?? throw new ArgumentException($"{filter}: '{Shorten(value)}' is not a number");

    private static string Shorten(object? value)
    {
        var s = value?.ToString() ?? "nil";
        return s.Length > 20 ? s[..20] + "…" : s;
    }

    private static object Result(decimal value, bool integral) => integral ? (object)(long)decimal.Truncate(value) : value;

    public static object Plus(TemplateContext context, object? input, object? operand)
    {
        // Text that is not a number is joined with the operand, as the previous engine did.
        if (input is string s && Number(s) is null)
        {
            var tail = Text(context, operand);
            Budget.Claim((long)s.Length + tail.Length);
            return s + tail;
        }
        return Arithmetic(input, operand, "plus", (a, b) => a + b);
    }

    public static object Minus(object? input, object? operand) => Arithmetic(input, operand, "minus", (a, b) => a - b);

    public static object Times(object? input, object? operand)
    {
        // Text that is not a number is repeated into a list, as the previous engine did: claimed as the text it becomes.
        if (input is string s && Number(s) is null)
        {
            var count = (long)System.Math.Max(0m, System.Math.Min(int.MaxValue, Numeric(operand, "times")));
            Budget.Claim(System.Math.Max(1, s.Length) * count);
            return Enumerable.Repeat<object?>(s, (int)count).ToList();
        }
        return Arithmetic(input, operand, "times", (a, b) => a * b);
    }

    public static object DividedBy(object? input, object? operand)
    {
        var divisor = Numeric(operand, "divided_by");
        if (divisor == 0) throw new DivideByZeroException("divided_by: cannot divide by 0");
        var integral = IsIntegral(input) && IsIntegral(operand);
        var quotient = Numeric(input, "divided_by") / divisor;
        return Result(integral ? decimal.Floor(quotient) : quotient, integral);
    }

    public static object Modulo(object? input, object? operand)
    {
        var divisor = Numeric(operand, "modulo");
        if (divisor == 0) throw new DivideByZeroException("modulo: cannot divide by 0");
        var dividend = Numeric(input, "modulo");
        // Ruby's modulo takes the divisor's sign.
        var rest = dividend % divisor;
        if (rest != 0 && (rest < 0) != (divisor < 0)) rest += divisor;
        return Result(rest, IsIntegral(input) && IsIntegral(operand));
    }

    private static object Arithmetic(object? input, object? operand, string filter, Func<decimal, decimal, decimal> op)
    {
        try
        {
            return Result(op(Numeric(input, filter), Numeric(operand, filter)), IsIntegral(input) && IsIntegral(operand));
        }
        catch (OverflowException)
        {
            throw new ArgumentException($"{filter}: the result is too large");
        }
    }

    public static object Abs(object? input) => Result(System.Math.Abs(Numeric(input, "abs")), IsIntegral(input));
    public static object Ceil(object? input) => (long)decimal.Ceiling(Numeric(input, "ceil"));
    public static object Floor(object? input) => (long)decimal.Floor(Numeric(input, "floor"));

    public static object Round(object? input, int places = 0)
    {
        var value = decimal.Round(Numeric(input, "round"), System.Math.Clamp(places, 0, 20), MidpointRounding.AwayFromZero);
        return places <= 0 ? (long)value : value;
    }

    public static object AtLeast(object? input, object? bound) => Numeric(input, "at_least") < Numeric(bound, "at_least") ? Keep(bound) : Keep(input);
    public static object AtMost(object? input, object? bound) => Numeric(input, "at_most") > Numeric(bound, "at_most") ? Keep(bound) : Keep(input);

    private static object Keep(object? value) => Result(Number(value)!.Value, IsIntegral(value));

    // ---------------------------------------------------------------- dates

    private static readonly DateTimeFunctions Dates = new();

    /// <summary>
    /// Liquid's date: a date or time written in the text (UTC unless it says otherwise), a number of seconds since 1970,
    /// or "now"/"today", formatted with strftime's % codes.
    /// </summary>
    public static string? Date(TemplateContext context, object? input, string? format = null)
    {
        if (string.IsNullOrEmpty(format)) return Text(context, input);
        DateTime? when = input switch
        {
            DateTime d => d,
            DateTimeOffset o => o.UtcDateTime,
            string s when s.Trim() is "now" or "today" => (context is LiquidSandbox sandbox ? sandbox.Clock : TimeProvider.System).GetUtcNow().UtcDateTime,
            string s when long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var unix) => Unix(unix),
            string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) => parsed.UtcDateTime,
            int or long => Unix(Convert.ToInt64(input, CultureInfo.InvariantCulture)),
            _ => null,
        };
        if (when is null) return Text(context, input);
        return Checked(Dates.ToString(when, format, CultureInfo.InvariantCulture) ?? "");
    }

    private static DateTime? Unix(long seconds) =>
        seconds is >= -62135596800 and <= 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime : null;
}
