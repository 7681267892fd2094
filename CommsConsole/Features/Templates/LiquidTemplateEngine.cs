using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using DotLiquid;
using DotLiquid.Exceptions;
using Microsoft.Extensions.Options;
using LiquidTemplate = DotLiquid.Template;

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

/// <summary>A Liquid syntax error with its 1-based line and column in the template source.</summary>
public sealed record TemplateError(string Message, int Line, int Column)
{
    public override string ToString() => $"{Message} (line {Line}, column {Column})";
}

/// <summary>A parsed template, safe to render from several threads at once.</summary>
public sealed class CompiledTemplate
{
    internal CompiledTemplate(string source, LiquidTemplate template, IReadOnlyList<string> variables)
    {
        Source = source;
        Inner = template;
        Variables = variables;
        Plain = PlainTemplate.TryCreate(template);
    }

    public string Source { get; }
    /// <summary>The variables the template reads, in first-use order.</summary>
    public IReadOnlyList<string> Variables { get; }
    internal LiquidTemplate Inner { get; }
    /// <summary>Set when the template is only text and bare variables, which render without DotLiquid.</summary>
    internal PlainTemplate? Plain { get; }
}

/// <summary>
/// Liquid templates (DotLiquid) treated as untrusted input: bounded source, nesting, loop iterations, output
/// and time, no self-feeding growth in loops, no file system; errors reported with their position and never thrown.
/// </summary>
public sealed partial class LiquidTemplateEngine
{
    private const int CacheLimit = 1_000;
    private readonly TemplateLimits _limits;
    private readonly ConcurrentDictionary<string, CompiledTemplate> _cache = new(StringComparer.Ordinal);

    public LiquidTemplateEngine(IOptions<TemplateLimits> limits)
    {
        _limits = limits.Value;
        SafeLiquid.EnsureInstalled();
    }

    public bool TryCompile(string source, [NotNullWhen(true)] out CompiledTemplate? template, [NotNullWhen(false)] out TemplateError? error)
    {
        source ??= "";
        if (_cache.TryGetValue(source, out template))
        {
            error = null;
            return true;
        }
        template = null;
        if (source.Length > _limits.MaxSourceLength)
        {
            error = new TemplateError($"Template is {source.Length} characters; at most {_limits.MaxSourceLength} are allowed", 1, 1);
            return false;
        }
        if (TagScanner.Scan(source, _limits.MaxNesting) is { } structural)
        {
            error = structural;
            return false;
        }
        try
        {
            var parsed = LiquidTemplate.Parse(source);
            parsed.MakeThreadSafe();
            template = new CompiledTemplate(source, parsed, VariableFinder.Find(source));
        }
        catch (Exception ex) when (ex is SyntaxException or LiquidException or System.ArgumentException or FormatException or RegexMatchTimeoutException)
        {
            error = Locate(source, ex.Message);
            return false;
        }
        if (_cache.Count < CacheLimit) _cache.TryAdd(source, template);
        error = null;
        return true;
    }

    /// <summary>Renders with the values inserted as they are (SMS text, email subjects, plain-text bodies).</summary>
    public bool TryRender(CompiledTemplate template, IReadOnlyDictionary<string, string> variables,
        [NotNullWhen(true)] out string? output, [NotNullWhen(false)] out string? error) =>
        TryRender(template, variables, htmlEncode: false, out output, out error);

    /// <summary>
    /// Renders with every variable value HTML-encoded when <paramref name="htmlEncode"/> is set (email HTML bodies),
    /// so recipient data cannot inject markup; the template's own markup is kept. Never throws.
    /// </summary>
    public bool TryRender(CompiledTemplate template, IReadOnlyDictionary<string, string> variables, bool htmlEncode,
        [NotNullWhen(true)] out string? output, [NotNullWhen(false)] out string? error)
    {
        output = null;
        if (template is null || variables is null)
        {
            error = template is null ? "no template to render" : "no variables given";
            return false;
        }
        foreach (var (key, value) in variables)
        {
            if (value is not null && value.Length > _limits.MaxVariableValueLength)
            {
                error = $"variable '{key}' is {value.Length} characters; at most {_limits.MaxVariableValueLength} are allowed";
                return false;
            }
        }
        if (template.Plain is { } plain)
        {
            // Most message templates are text with {{ name }} holes; filling them directly is several times faster
            // than DotLiquid's per-render context, and gives the same output (pinned by tests).
            output = plain.Render(variables, htmlEncode, _limits.MaxOutputLength);
            error = output is null ? OutputTooLong() : null;
            return output is not null;
        }
        // Built directly: no reflection over an anonymous object and no intermediate dictionary per render.
        var hash = new Hash();
        foreach (var (key, value) in variables)
        {
            var text = value ?? "";
            hash[key] = htmlEncode ? WebUtility.HtmlEncode(text) : text;
        }
        // The writer refuses to grow past the limit, so a template that multiplies its output stops at the limit
        // instead of filling memory until the deadline is next checked.
        var writer = BoundedWriter.Rent(_limits.MaxOutputLength);
        // Filters and tags claim every value they build from the budget, and check its deadline as they work.
        using var budget = RenderBudget.Begin(_limits);
        try
        {
            template.Inner.Render(writer, new RenderParameters(CultureInfo.InvariantCulture)
            {
                LocalVariables = hash,
                ErrorsOutputMode = ErrorsOutputMode.Rethrow,
                MaxIterations = _limits.MaxIterations,
                Timeout = _limits.RenderTimeoutMs,
            });
            output = writer.ToString();
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error = Describe(ex);
            return false;
        }
        finally
        {
            BoundedWriter.Return(writer);
        }
    }

    private string OutputTooLong() => $"output is longer than the {_limits.MaxOutputLength} characters allowed";

    private string Describe(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case OutputLimitExceededException:
                    return OutputTooLong();
                case RenderLimitException limit:
                    return limit.Message;
                case MaximumIterationsExceededException:
                    return $"a loop ran more than {_limits.MaxIterations} times";
                case TimeoutException:
                    return $"rendering took longer than {_limits.RenderTimeoutMs} ms";
                case FileSystemException:
                    return "templates cannot include other files";
            }
        }
        var message = Clean(ex.Message);
        return message.Length == 0 ? "the template could not be rendered" : message;
    }

    public IReadOnlyList<string> FindVariables(string source) => TryCompile(source, out var compiled, out _) ? compiled.Variables : [];

    private static string Clean(string message)
    {
        message = message.Replace("Liquid error: ", "", StringComparison.Ordinal).Replace("Liquid syntax error: ", "", StringComparison.Ordinal);
        var newline = message.IndexOfAny(['\r', '\n']);
        return (newline > 0 ? message[..newline] : message).Trim();
    }

    /// <summary>Turns DotLiquid's position-less syntax messages into a message with a line and column.</summary>
    private static TemplateError Locate(string source, string rawMessage)
    {
        var message = Clean(rawMessage);
        var variable = UnterminatedVariable().Match(message);
        if (variable.Success)
        {
            var fragment = variable.Groups[1].Value;
            return At(source, source.IndexOf(fragment, StringComparison.Ordinal), $"Variable '{fragment.Trim()}' was not closed with '}}}}'");
        }
        var tag = UnterminatedTag().Match(message);
        if (tag.Success)
        {
            var fragment = tag.Groups[1].Value;
            return At(source, source.IndexOf(fragment, StringComparison.Ordinal), $"Tag '{fragment.Trim()}' was not closed with '%}}'");
        }
        var unknown = UnknownTag().Match(message);
        if (unknown.Success)
        {
            var name = unknown.Groups[1].Value;
            var m = Regex.Match(source, @"\{%-?\s*" + Regex.Escape(name) + @"\b");
            return At(source, m.Success ? m.Index : -1, $"Unknown tag '{name}'");
        }
        var quoted = Regex.Match(message, "'([^']{2,})'");
        var index = quoted.Success ? source.IndexOf(quoted.Groups[1].Value, StringComparison.Ordinal) : -1;
        return At(source, index, message);
    }

    internal static TemplateError At(string source, int index, string message)
    {
        if (index < 0) return new TemplateError(message, 1, 1);
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index; i++)
        {
            if (source[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        return new TemplateError(message, line, index - lineStart + 1);
    }

    [GeneratedRegex(@"^Variable '(.*)' was not properly terminated", RegexOptions.Singleline)]
    private static partial Regex UnterminatedVariable();

    [GeneratedRegex(@"^Tag '(.*)' was not properly terminated", RegexOptions.Singleline)]
    private static partial Regex UnterminatedTag();

    [GeneratedRegex(@"Unknown tag '(\w+)'")]
    private static partial Regex UnknownTag();
}
