using ScribanTemplate = Scriban.Template;

namespace CommsConsole.Features.Templates;

/// <summary>A parsed template, safe to render from several threads at once.</summary>
public sealed class CompiledTemplate
{
    internal CompiledTemplate(string source, ScribanTemplate template, IReadOnlyList<string> variables)
    {
        Source = source;
        Inner = template;
        Variables = variables;
    }

    public string Source { get; }
    /// <summary>The variables the template reads, in first-use order.</summary>
    public IReadOnlyList<string> Variables { get; }
    internal ScribanTemplate Inner { get; }
}
