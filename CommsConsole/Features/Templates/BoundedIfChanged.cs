using Scriban;
using Scriban.Syntax;

namespace CommsConsole.Features.Templates;

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
