using Scriban;
using Scriban.Syntax;

namespace CommsConsole.Features.Templates;

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
