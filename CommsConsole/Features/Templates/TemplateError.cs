namespace CommsConsole.Features.Templates;

/// <summary>A Liquid syntax error with its 1-based line and column in the template source.</summary>
public sealed record TemplateError(string Message, int Line, int Column)
{
    public override string ToString() => $"{Message} (line {Line}, column {Column})";
}
