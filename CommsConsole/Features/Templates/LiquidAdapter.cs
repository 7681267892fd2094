using Scriban;
using ScribanTemplate = Scriban.Template;
using Scriban.Parsing;
using Scriban.Syntax;

namespace CommsConsole.Features.Templates;

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
