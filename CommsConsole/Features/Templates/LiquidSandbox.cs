using System.Collections;
using System.Globalization;
using System.Text;
using Scriban;
using ScribanTemplate = Scriban.Template;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace CommsConsole.Features.Templates;

/// <summary>
/// Scriban's Liquid context with nothing reachable but the recipient's variables and the bounded filters
/// (<see cref="SafeFilters"/>): Scriban's own builtins (string, array, date, regex, include...) are removed, no
/// template loader is set, no .NET member is exposed, loops and recursion are limited by Scriban, and every loop
/// step checks the render's deadline. One context serves many renders on a thread (see <see cref="Rent"/>).
/// </summary>
internal sealed class LiquidSandbox : LiquidTemplateContext
{
    [ThreadStatic] private static LiquidSandbox? _cached;

    private readonly ScriptObject _variables = new(16, StringComparer.OrdinalIgnoreCase);
    private readonly BoundedOutput _output;

    private LiquidSandbox(TemplateLimits limits)
    {
        Limits = limits;
        BuiltinObject.Clear();
        SafeFilters.Functions.CopyTo(BuiltinObject);
        TemplateLoader = null;
        MemberFilter = _ => false; // no property or method of a .NET object is readable
        EnableRelaxedMemberAccess = true; // a missing member is nothing, as in Liquid
        StrictVariables = false;
        LoopLimit = limits.MaxIterations;
        LoopLimitQueryable = limits.MaxIterations;
        RecursiveLimit = 64;
        ObjectRecursionLimit = 20;
        // Scriban cuts text at this length with "..."; ours refuse before it (output, values, all values together).
        LimitToString = (int)Math.Min(int.MaxValue, limits.MaxOutputLength + limits.MaxBuiltLength + 1);
        RegexTimeOut = TimeSpan.FromMilliseconds(Math.Max(1, limits.RenderTimeoutMs));
        NewLine = "\n";
        AutoIndent = false;
        _output = new BoundedOutput(limits.MaxOutputLength, $"output is longer than the {limits.MaxOutputLength} characters allowed");
    }

    public TemplateLimits Limits { get; }

    /// <summary>What "now" is to the date filter.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>The context of this thread for these limits (a fresh one if the last render on it failed midway).</summary>
    public static LiquidSandbox Rent(TemplateLimits limits)
    {
        var context = _cached is { } cached && ReferenceEquals(cached.Limits, limits) ? cached : new LiquidSandbox(limits);
        _cached = null; // a nested render on this thread gets its own
        return context;
    }

    /// <summary>Renders once with the recipient's variables pushed as the only global beside the filters, then pops them.</summary>
    public string Render(ScribanTemplate template, IReadOnlyDictionary<string, string> variables, bool htmlEncode)
    {
        Reset();
        Tags.Clear();
        _variables.Clear();
        foreach (var (key, value) in variables)
        {
            var text = value ?? "";
            _variables.SetValue(key, htmlEncode ? System.Net.WebUtility.HtmlEncode(text) : text, false);
        }
        PushGlobal(_variables);
        PushOutput(_output);
        try
        {
            template.Render(this);
            return _output.ToString();
        }
        finally
        {
            _output.Clear();
        }
    }

    /// <summary>Keeps the context for the next render on this thread; only after a render that completed.</summary>
    public void Return()
    {
        _variables.Clear();
        _cached = this;
    }

    protected override bool OnStepLoop(ScriptLoopStatementBase loop)
    {
        RenderBudget.Current.CheckTime();
        return true;
    }

    /// <summary>Lists print as Liquid prints them (items joined), within the value limit; nothing else changes.</summary>
    public override string? ObjectToString(object? value, bool nested = false)
    {
        if (value is IEnumerable list and not string and not IScriptObject)
        {
            var budget = RenderBudget.Current;
            var text = new StringBuilder();
            var n = 0;
            foreach (var item in list)
            {
                var part = base.ObjectToString(item) ?? "";
                if ((++n & 255) == 0) budget.CheckTime();
                if (text.Length + (long)part.Length > budget.MaxValueLength) budget.Claim(text.Length + (long)part.Length);
                text.Append(part);
            }
            budget.Claim(text.Length);
            return text.ToString();
        }
        return value switch
        {
            decimal d => d.ToString("0.#############################", CultureInfo.InvariantCulture),
            double f when double.IsFinite(f) && Math.Abs(f) < 1e15 => ((decimal)f).ToString("0.#############################", CultureInfo.InvariantCulture),
            _ => base.ObjectToString(value, nested),
        };
    }
}

/// <summary>
/// Adapts a parsed Liquid template to the sandbox, once at compile time: filter calls are pointed at the bounded
/// filters (in a namespace a template cannot spell, so a variable called <c>date</c> or <c>first</c> does not hide
/// a filter and a missing one prints nothing), and the blocks that render into a value of their own (capture,
/// ifchanged) or where Scriban departs from Liquid (ifchanged, tablerow) are replaced by Liquid's, bounded.
/// </summary>
internal static class LiquidAdapter
{
    public static TemplateError? Adapt(string source, ScribanTemplate template)
    {
        var nodes = new List<ScriptNode>();
        Collect(template.Page, nodes);
        foreach (var node in nodes)
        {
            switch (node)
            {
                case ScriptFunctionCall { Target: ScriptVariableGlobal name } call:
                    if (!SafeFilters.Names.Contains(name.Name))
                        return LiquidTemplateEngine.At(source, Offset(source, name.Span), $"Unknown filter '{name.Name}'");
                    call.Target = new ScriptVariableGlobal(SafeFilters.Prefix + name.Name) { Span = name.Span };
                    break;
                case ScriptPipeCall { To: ScriptVariableGlobal filter } pipe:
                    if (!SafeFilters.Names.Contains(filter.Name))
                        return LiquidTemplateEngine.At(source, Offset(source, filter.Span), $"Unknown filter '{filter.Name}'");
                    pipe.To = new ScriptVariableGlobal(SafeFilters.Prefix + filter.Name) { Span = filter.Span };
                    break;
                case ScriptBlockStatement block:
                    for (var i = 0; i < block.Statements.Count; i++)
                    {
                        block.Statements[i] = block.Statements[i] switch
                        {
                            ScriptCaptureStatement { Target: { } target, Body: { } body } capture => new BoundedCapture(target, body) { Span = capture.Span },
                            ScriptIfStatement { Condition: ScriptMemberExpression { Target: ScriptVariable { Name: "for" }, Member: ScriptVariable { Name: "changed" } }, Then: { } then } changed
                                => new BoundedIfChanged(then) { Span = changed.Span },
                            ScriptTableRowStatement row => new LiquidTableRow(row) { Span = row.Span },
                            var statement => statement,
                        };
                    }
                    break;
            }
        }
        return null;
    }

    private static void Collect(ScriptNode? node, List<ScriptNode> into)
    {
        if (node is null) return;
        into.Add(node);
        foreach (var child in node.Children) Collect(child, into);
    }

    private static int Offset(string source, SourceSpan span) =>
        span.Start.Offset >= 0 && span.Start.Offset < source.Length ? span.Start.Offset : -1;

    /// <summary>Renders a block into a buffer bounded by the value limit, claims what it holds from the budget, and returns it.</summary>
    internal static string RenderBounded(TemplateContext context, ScriptNode body)
    {
        var budget = RenderBudget.Current;
        var output = new BoundedOutput(budget.MaxValueLength, $"a block of the template would render more than the {budget.MaxValueLength} characters allowed");
        context.PushOutput(output);
        try
        {
            context.Evaluate(body);
        }
        finally
        {
            context.PopOutput();
        }
        budget.Claim(output.Length);
        return output.ToString();
    }
}

/// <summary>capture, into a bounded buffer (Scriban's renders into an unbounded one).</summary>
internal sealed class BoundedCapture(ScriptExpression target, ScriptBlockStatement body) : ScriptStatement
{
    public override object? Evaluate(TemplateContext context)
    {
        context.SetValue(target, LiquidAdapter.RenderBounded(context, body));
        return null;
    }

    public override int ChildrenCount => 2;
    protected override ScriptNode? GetChildrenImpl(int index) => index == 0 ? target : body;
    public override void PrintTo(ScriptPrinter printer) => throw new NotSupportedException();
}

/// <summary>ifchanged as Liquid has it: prints its block when the block's text differs from the last time (Scriban's looks at the loop's item instead).</summary>
internal sealed class BoundedIfChanged(ScriptBlockStatement body) : ScriptStatement
{
    private static readonly object Last = new();

    public override object? Evaluate(TemplateContext context)
    {
        var text = LiquidAdapter.RenderBounded(context, body);
        if (!context.Tags.TryGetValue(Last, out var last) || (string)last != text)
        {
            context.Tags[Last] = text;
            context.Write(text);
        }
        return null;
    }

    public override int ChildrenCount => 1;
    protected override ScriptNode? GetChildrenImpl(int index) => body;
    public override void PrintTo(ScriptPrinter printer) => throw new NotSupportedException();
}

/// <summary>
/// tablerow with Liquid's markup: a line break after the first row's opening tag, as Liquid and the previous engine
/// write it (Scriban's has none). Rendered into a bounded buffer like the other blocks.
/// </summary>
internal sealed class LiquidTableRow(ScriptTableRowStatement row) : ScriptStatement
{
    private const string FirstRow = "<tr class=\"row1\">";

    public override object? Evaluate(TemplateContext context)
    {
        var text = LiquidAdapter.RenderBounded(context, row);
        context.Write(text.StartsWith(FirstRow, StringComparison.Ordinal) ? FirstRow + "\n" + text[FirstRow.Length..] : text);
        return null;
    }

    public override int ChildrenCount => 1;
    protected override ScriptNode? GetChildrenImpl(int index) => row;
    public override void PrintTo(ScriptPrinter printer) => throw new NotSupportedException();
}
