using System.Collections;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using DotLiquid;
using DotLiquid.Exceptions;
using LiquidTemplate = DotLiquid.Template;
using Std = DotLiquid.StandardFilters;

namespace CommsConsole.Features.Templates;

/// <summary>
/// Makes DotLiquid's process-wide registry safe for untrusted templates, once: every filter replaced by a bounded
/// one (<see cref="SafeFilters"/>), the tags that render into buffers of their own (capture, ifchanged, tablerow)
/// replaced by ones that render into bounded buffers, lists printed through the budget, and <c>{% param using %}</c> (which would add DotLiquid's unbounded optional filters) refused.
/// </summary>
internal static class SafeLiquid
{
    private static readonly Lazy<bool> Installed = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    public static void EnsureInstalled() => _ = Installed.Value;

    private static bool Install()
    {
        // DotLiquid registers its own tags and filters in Liquid's static constructor; ours must come after them to
        // replace them (the strainer applies registrations in order, a later filter replacing an earlier one).
        RuntimeHelpers.RunClassConstructor(typeof(Liquid).TypeHandle);
        LiquidTemplate.RegisterFilter(typeof(SafeFilters));
        LiquidTemplate.RegisterTag<SafeCapture>("capture");
        LiquidTemplate.RegisterTag<SafeIfChanged>("ifchanged");
        LiquidTemplate.RegisterTag<SafeTableRow>("tablerow");
        LiquidTemplate.RegisterTag<SafeParam>("param");
        // DotLiquid prints a list by joining all its items at once; a range of two billion numbers would be joined.
        LiquidTemplate.RegisterValueTypeTransformer(typeof(IEnumerable), value => value is string ? value : Print((IEnumerable)value));
        return true;
    }

    /// <summary>DotLiquid's own rendering of a list (items formatted and concatenated), built within the value limit.</summary>
    private static string Print(IEnumerable list)
    {
        var budget = RenderBudget.Current;
        var text = new StringBuilder();
        var n = 0;
        foreach (var item in list)
        {
            var part = item switch
            {
                decimal d => d.ToString("0.#############################", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => item?.ToString() ?? "",
            };
            if ((++n & 255) == 0) budget.CheckTime();
            if (text.Length + (long)part.Length > budget.MaxValueLength) budget.Claim(text.Length + (long)part.Length);
            text.Append(part);
        }
        budget.Claim(text.Length);
        return text.ToString();
    }

    /// <summary>Renders a block's nodes into a buffer bounded by the value limit and claims what it holds.</summary>
    internal static string RenderBounded(Context context, Action<TextWriter> render)
    {
        var budget = RenderBudget.Current;
        var writer = BoundedWriter.Rent(budget.MaxValueLength);
        try
        {
            render(writer);
            var text = writer.ToString();
            budget.Claim(text.Length);
            return text;
        }
        catch (OutputLimitExceededException)
        {
            throw new RenderLimitException($"a block of the template would render more than the {budget.MaxValueLength} characters allowed");
        }
        finally
        {
            BoundedWriter.Return(writer);
        }
    }
}

/// <summary>capture, rendered into a bounded buffer (DotLiquid's renders into an unbounded one).</summary>
internal sealed class SafeCapture : DotLiquid.Block
{
    private static readonly Regex Syntax = new(@"\A\s*([\w\-]+)\s*\z", RegexOptions.CultureInvariant);
    private string _to = "";

    public override void Initialize(string tagName, string markup, List<string> tokens)
    {
        var m = Syntax.Match(markup);
        if (!m.Success) throw new SyntaxException("Syntax Error in 'capture' - Valid syntax: capture [var]");
        _to = m.Groups[1].Value;
        base.Initialize(tagName, markup, tokens);
    }

    public override void Render(Context context, TextWriter result) =>
        context.Scopes[^1][_to] = SafeLiquid.RenderBounded(context, w => RenderAll(NodeList, context, w));
}

/// <summary>ifchanged, rendered into a bounded buffer.</summary>
internal sealed class SafeIfChanged : DotLiquid.Block
{
    public override void Render(Context context, TextWriter result) => context.Stack(() =>
    {
        var text = SafeLiquid.RenderBounded(context, w => RenderAll(NodeList, context, w));
        if (text != context.Registers["ifchanged"] as string)
        {
            context.Registers["ifchanged"] = text;
            result.Write(text);
        }
    });
}

/// <summary>tablerow as DotLiquid renders it, with each cell rendered into a bounded buffer and the rows bounded by the loop limit.</summary>
internal sealed class SafeTableRow : DotLiquid.Block
{
    private static readonly Regex Syntax = new(@"(\w+)\s+in\s+(" + Liquid.VariableSignature + "+)", RegexOptions.CultureInvariant);
    private static readonly Regex Attributes = new(@"(\w+)\s*\:\s*(" + Liquid.QuotedFragment + ")", RegexOptions.CultureInvariant);

    private string _variable = "", _collection = "";
    private readonly Dictionary<string, string> _attributes = new(StringComparer.Ordinal);

    public override void Initialize(string tagName, string markup, List<string> tokens)
    {
        var m = Syntax.Match(markup);
        if (!m.Success) throw new SyntaxException("Syntax Error in 'tablerow loop' - Valid syntax: tablerow [item] in [collection] cols=3");
        _variable = m.Groups[1].Value;
        _collection = m.Groups[2].Value;
        foreach (Match a in Attributes.Matches(markup)) _attributes[a.Groups[1].Value] = a.Groups[2].Value;
        base.Initialize(tagName, markup, tokens);
    }

    public override void Render(Context context, TextWriter result)
    {
        if (context[_collection] is not IEnumerable enumerable) return;
        IEnumerable<object?> items = RenderBudget.Current.Items(enumerable);
        if (_attributes.TryGetValue("offset", out var offset)) items = items.Skip(Convert.ToInt32(context[offset], CultureInfo.InvariantCulture));
        if (_attributes.TryGetValue("limit", out var limit)) items = items.Take(Convert.ToInt32(context[limit], CultureInfo.InvariantCulture));
        var list = items.ToList();
        if (context.MaxIterations > 0 && list.Count > context.MaxIterations)
            throw new MaximumIterationsExceededException("tablerow", context.MaxIterations.ToString(CultureInfo.InvariantCulture));
        var length = list.Count;
        var columns = _attributes.TryGetValue("cols", out var cols) ? Convert.ToInt32(context[cols], CultureInfo.InvariantCulture) : length;
        var row = 1;
        var column = 0;
        result.WriteLine("<tr class=\"row1\">");
        context.Stack(() =>
        {
            for (var index = 0; index < length; index++)
            {
                context.CheckTimeout();
                context[_variable] = list[index];
                context["tablerowloop"] = new Dictionary<string, object>
                {
                    ["length"] = length, ["index"] = index + 1, ["index0"] = index, ["col"] = column + 1, ["col0"] = column,
                    ["rindex"] = length - index, ["rindex0"] = length - index - 1, ["first"] = index == 0, ["last"] = index == length - 1,
                    ["col_first"] = column == 0, ["col_last"] = column == columns - 1,
                };
                ++column;
                var cell = SafeLiquid.RenderBounded(context, w => RenderAll(NodeList, context, w));
                result.Write("<td class=\"col{0}\">{1}</td>", column, cell);
                if (column == columns && index != length - 1)
                {
                    column = 0;
                    ++row;
                    result.WriteLine("</tr>");
                    result.Write("<tr class=\"row{0}\">", row);
                }
            }
        });
        result.WriteLine("</tr>");
    }
}

/// <summary>param, without <c>using</c>: that option adds DotLiquid's optional filters, which are not bounded.</summary>
internal sealed class SafeParam : DotLiquid.Tags.Param
{
    public override void Initialize(string tagName, string markup, List<string> tokens)
    {
        if (Regex.IsMatch(markup, @"^\s*using\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase))
            throw new SyntaxException("Tag 'param using' is not allowed: templates cannot add filters");
        base.Initialize(tagName, markup, tokens);
    }
}

/// <summary>
/// Every filter a template can call: DotLiquid's standard set (same names and arguments, so templates behave as
/// before), each claiming the value it builds from the render's <see cref="RenderBudget"/> before building it
/// where the result can outgrow its input many times over (replace, join, times, append...), and checking it
/// after where it cannot. Lists are read through the budget, so a huge range is refused rather than walked.
/// Only filters: DotLiquid turns every public static method of this class into one.
/// </summary>
internal static class SafeFilters
{
    private static RenderBudget Budget => RenderBudget.Current;

    private static T Check<T>(T value) => Budget.Checked(value);

    private static object? ListOrSelf(object? input) => input is IEnumerable e and not string ? Budget.Items(e) : input;

    public static int Size(object input) => input switch
    {
        string s => s.Length,
        ICollection c => c.Count,
        IEnumerable e => Budget.Items(e).Count,
        _ => 0,
    };

    public static object Slice(Context context, object input, int offset, int length = 1) =>
        Check(Std.Slice(context, ListOrSelf(input)!, offset, length));

    public static string Downcase(string input) => Check(Std.Downcase(input));
    public static string Upcase(string input) => Check(Std.Upcase(input));
    public static string UrlEncode(string input) => Check(Std.UrlEncode(input));
    public static string UrlDecode(string input) => Check(Std.UrlDecode(input));
    public static string Capitalize(Context context, string input) => Check(Std.Capitalize(context, input));
    public static string Escape(string input) => Check(Std.Escape(input));
    public static string EscapeOnce(string input) => Check(Std.EscapeOnce(input));
    public static string H(string input) => Check(Std.H(input));

    public static string Truncate(string input, int length = 50, string truncateString = "...") =>
        Check(Std.Truncate(input, length, truncateString));

    public static string TruncateWords(string input, int words = 15, string truncateString = "...") =>
        Check(Std.TruncateWords(input, words, truncateString));

    public static string[] Split(string input, string pattern)
    {
        // At most one item per character of the input, and no more text than the input holds.
        Budget.Claim(2L * (input?.Length ?? 0));
        return Std.Split(input, pattern);
    }

    public static string StripHtml(string input) => Check(Std.StripHtml(input));
    public static string Strip(string input) => Check(Std.Strip(input));
    public static string Lstrip(string input) => Check(Std.Lstrip(input));
    public static string Rstrip(string input) => Check(Std.Rstrip(input));

    public static string Currency(Context context, object input, string? languageTag = null) =>
        Check(Std.Currency(context, input, languageTag));

    public static string StripNewlines(string input) => Check(Std.StripNewlines(input));

    public static string? Join(IEnumerable input, string glue = " ")
    {
        if (input is null) return null;
        var budget = Budget;
        var text = new StringBuilder();
        var first = true;
        var n = 0;
        foreach (var item in input)
        {
            var part = item?.ToString() ?? "";
            var grown = text.Length + (first ? 0L : glue?.Length ?? 0) + part.Length;
            if ((++n & 255) == 0) budget.CheckTime();
            if (grown > budget.MaxValueLength) budget.Claim(grown);
            if (!first) text.Append(glue);
            text.Append(part);
            first = false;
        }
        budget.Claim(text.Length);
        return text.ToString();
    }

    public static IEnumerable Sort(Context context, object input, string? property = null) => Std.Sort(context, ListOrSelf(input), property);
    public static IEnumerable SortNatural(object input, string? property = null) => Std.SortNatural(ListOrSelf(input), property);

    public static IEnumerable Map(IEnumerable enumerableInput, string property) =>
        enumerableInput is null ? null! : Budget.Items(Std.Map(Budget.Items(enumerableInput), property));

    /// <summary>Replaces text literally (as Liquid does; DotLiquid's default would read the pattern as a regular expression).</summary>
    public static string Replace(Context context, string input, string @string, string replacement = "")
    {
        if (string.IsNullOrEmpty(input) || string.IsNullOrEmpty(@string)) return input;
        replacement ??= "";
        var budget = Budget;
        long count = 0;
        for (var at = input.IndexOf(@string, StringComparison.Ordinal); at >= 0; at = input.IndexOf(@string, at + @string.Length, StringComparison.Ordinal))
        {
            count++;
        }
        budget.Claim(input.Length + count * (replacement.Length - @string.Length));
        return input.Replace(@string, replacement, StringComparison.Ordinal);
    }

    /// <summary>Replaces the first occurrence literally.</summary>
    public static string ReplaceFirst(Context context, string input, string @string, string replacement = "")
    {
        if (string.IsNullOrEmpty(input) || string.IsNullOrEmpty(@string)) return input;
        replacement ??= "";
        var at = input.IndexOf(@string, StringComparison.Ordinal);
        if (at < 0) return input;
        Budget.Claim((long)input.Length - @string.Length + replacement.Length);
        return string.Concat(input.AsSpan(0, at), replacement, input.AsSpan(at + @string.Length));
    }

    public static string Remove(string input, string @string) => Check(Std.Remove(input, @string));

    public static string RemoveFirst(Context context, string input, string @string) => ReplaceFirst(context, input, @string, "");

    public static string Append(string input, string @string)
    {
        Budget.Claim((long)(input?.Length ?? 0) + (@string?.Length ?? 0));
        return input + @string;
    }

    public static string Prepend(string input, string @string)
    {
        Budget.Claim((long)(input?.Length ?? 0) + (@string?.Length ?? 0));
        return @string + input;
    }

    public static string NewlineToBr(string input) => Check(Std.NewlineToBr(input));

    public static string Date(Context context, object input, string format) => Check(Std.Date(context, input, format));

    public static object First(IEnumerable array) => Std.First(array);

    public static object Last(IEnumerable array) => array is null or IList ? Std.Last(array!) : Std.Last(Budget.Items(array));

    public static object Plus(Context context, object input, object operand)
    {
        // DotLiquid joins a string input with its operand.
        if (input is string s && context.SyntaxCompatibilityLevel < SyntaxCompatibility.DotLiquid21)
            Budget.Claim((long)s.Length + (operand?.ToString()?.Length ?? 0));
        return Std.Plus(context, input, operand!);
    }

    public static object Minus(Context context, object input, object operand) => Std.Minus(context, input, operand);

    public static object Times(Context context, object input, object operand)
    {
        // DotLiquid repeats a string input operand times: claimed as the text it becomes once printed or joined.
        if (input is string s && operand is int or long && context.SyntaxCompatibilityLevel < SyntaxCompatibility.DotLiquid21)
            Budget.Claim(Math.Max(1, s.Length) * Math.Max(0L, Convert.ToInt64(operand, CultureInfo.InvariantCulture)));
        return Std.Times(context, input, operand);
    }

    public static object Round(object input, object? places = null) => Std.Round(input, places);
    public static object Ceil(Context context, object input) => Std.Ceil(context, input);
    public static object Floor(Context context, object input) => Std.Floor(context, input);
    public static object DividedBy(Context context, object input, object operand) => Std.DividedBy(context, input, operand);
    public static object Modulo(Context context, object input, object operand) => Std.Modulo(context, input, operand);
    public static string Default(string input, string @defaultValue) => Std.Default(input, @defaultValue);
    public static IEnumerable Uniq(object input) => Std.Uniq(ListOrSelf(input));
    public static double Abs(Context context, object input) => Std.Abs(context, input);
    public static object AtLeast(Context context, object input, object atLeast) => Std.AtLeast(context, input, atLeast);
    public static object AtMost(Context context, object input, object atMost) => Std.AtMost(context, input, atMost);
    public static IEnumerable Compact(object input) => Std.Compact(ListOrSelf(input));

    public static IEnumerable Where(IEnumerable input, string propertyName, object? targetValue = null) =>
        input is null ? null! : Std.Where(Budget.Items(input), propertyName, targetValue);

    public static IEnumerable Concat(IEnumerable left, IEnumerable right) =>
        Check<IEnumerable>(Std.Concat(left is null ? null! : Budget.Items(left), right is null ? null! : Budget.Items(right)));

    public static IEnumerable Reverse(IEnumerable input) => input is null ? null! : Std.Reverse(Budget.Items(input));

    public static string Base64Encode(string input) => Check(Std.Base64Encode(input));
    public static string Base64Decode(string input) => Check(Std.Base64Decode(input));
    public static string Base64UrlSafeEncode(string input) => Check(Std.Base64UrlSafeEncode(input));
    public static string Base64UrlSafeDecode(string input) => Check(Std.Base64UrlSafeDecode(input));

    public static bool IsNullOrWhiteSpace(string s) => string.IsNullOrWhiteSpace(s);
}
