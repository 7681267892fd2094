using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Scriban.Parsing;
using Scriban.Syntax;
using ScribanTemplate = Scriban.Template;

namespace CommsConsole.Features.Templates;

/// <summary>
/// Liquid templates, parsed and rendered by Scriban in Liquid mode, treated as untrusted input: bounded source and
/// nesting, Scriban's own loop, recursion and text limits, every value a filter or block builds bounded
/// (<see cref="RenderBudget"/>), the deadline checked inside loops and filters, nothing reachable but the recipient's
/// variables and the filters (<see cref="LiquidSandbox"/>), no includes; errors reported with their position and
/// never thrown. One compiled template serves every recipient, and one context serves every render on a thread.
/// </summary>
public sealed class LiquidTemplateEngine
{
    private const int CacheLimit = 1_000;
    private readonly TemplateLimits _limits;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, CompiledTemplate> _cache = new(StringComparer.Ordinal);

    public LiquidTemplateEngine(IOptions<TemplateLimits> limits) : this(limits, TimeProvider.System) { }

    public LiquidTemplateEngine(IOptions<TemplateLimits> limits, TimeProvider clock)
    {
        _limits = limits.Value;
        _clock = clock;
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
        // Block structure, nesting and unknown tags first: Liquid's wording and positions, and the parser's recursion bounded.
        if (TagScanner.Scan(source, _limits.MaxNesting) is { } structural)
        {
            error = structural;
            return false;
        }
        ScribanTemplate parsed;
        try
        {
            parsed = ScribanTemplate.ParseLiquid(source);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error = new TemplateError(FirstLine(ex.Message), 1, 1);
            return false;
        }
        if (parsed.HasErrors)
        {
            var first = parsed.Messages.First(m => m.Type == ParserMessageType.Error);
            var start = first.Span.Start;
            error = start.Line < 0
                ? new TemplateError(FirstLine(first.Message), 1, 1)
                : new TemplateError(FirstLine(first.Message), start.Line + 1, start.Column + 1);
            return false;
        }
        if (LiquidAdapter.Adapt(source, parsed) is { } adaptError)
        {
            error = adaptError;
            return false;
        }
        template = new CompiledTemplate(source, parsed, VariableFinder.Find(source));
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
        [NotNullWhen(true)] out string? output, [NotNullWhen(false)] out string? error) =>
        TryRender(template, variables, htmlEncode ? ValueEncoding.Html : ValueEncoding.None, out output, out error);

    /// <summary>
    /// Renders with every variable value encoded for the text it lands in (<see cref="ValueEncoding"/>): HTML-encoded in
    /// HTML, also with Markdown's punctuation escaped in Markdown, so recipient data cannot inject markup; the template's
    /// own markup is kept. Never throws.
    /// </summary>
    public bool TryRender(CompiledTemplate template, IReadOnlyDictionary<string, string> variables, ValueEncoding encoding,
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
        // Filters and blocks claim every value they build from the budget, and check its deadline as they work.
        using var budget = RenderBudget.Begin(_limits);
        var context = LiquidSandbox.Rent(_limits);
        context.Clock = _clock;
        try
        {
            output = context.Render(template.Inner, variables, encoding);
            context.Return(); // a context whose render failed midway is not reused
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error = Describe(ex);
            return false;
        }
    }

    private string Describe(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case OutputLimitExceededException or RenderLimitException:
                    return e.Message;
                case TimeoutException or ScriptAbortException:
                    return $"rendering took longer than {_limits.RenderTimeoutMs} ms";
                case ScriptRuntimeException runtime when runtime.OriginalMessage.Contains("LoopLimit", StringComparison.Ordinal)
                    || runtime.OriginalMessage.Contains("iteration limit", StringComparison.Ordinal):
                    return $"a loop ran more than {_limits.MaxIterations} times";
                case ScriptRuntimeException runtime when runtime.InnerException is null:
                    var start = runtime.Span.Start;
                    var message = FirstLine(runtime.OriginalMessage.Replace(SafeFilters.Prefix, "", StringComparison.Ordinal));
                    return start.Line >= 0 ? $"{message} (line {start.Line + 1}, column {start.Column + 1})" : message;
            }
        }
        var text = FirstLine(ex.Message);
        return text.Length == 0 ? "the template could not be rendered" : text;
    }

    public IReadOnlyList<string> FindVariables(string source) => TryCompile(source, out var compiled, out _) ? compiled.Variables : [];

    private static string FirstLine(string message)
    {
        var newline = message.IndexOfAny(['\r', '\n']);
        return (newline > 0 ? message[..newline] : message).Trim();
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
}
