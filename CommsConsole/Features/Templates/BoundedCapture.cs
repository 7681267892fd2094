using Scriban;
using Scriban.Syntax;

namespace CommsConsole.Features.Templates;

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
