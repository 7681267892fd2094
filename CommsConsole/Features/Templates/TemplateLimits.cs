namespace CommsConsole.Features.Templates;

public sealed class TemplateLimits
{
    public int MaxSourceLength { get; set; } = 20_000;
    /// <summary>Iterations of one loop.</summary>
    public int MaxIterations { get; set; } = 1_000;
    public int RenderTimeoutMs { get; set; } = 250;
    /// <summary>Characters of the output, and of any one value a render builds (a filter's result, an assigned or captured text, a list).</summary>
    public int MaxOutputLength { get; set; } = 100_000;
    /// <summary>Characters of all the values one render builds together: with the limits above, what bounds its memory.</summary>
    public long MaxBuiltLength { get; set; } = 400_000;
    public int MaxVariableValueLength { get; set; } = 4_000;
    /// <summary>Blocks nested inside each other; deeper templates are refused before parsing (the parser recurses).</summary>
    public int MaxNesting { get; set; } = 24;
}
