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
    public string Render(ScribanTemplate template, IReadOnlyDictionary<string, string> variables, ValueEncoding encoding)
    {
        Reset();
        Tags.Clear();
        _variables.Clear();
        foreach (var (key, value) in variables)
        {
            var text = value ?? "";
            var encoded = ValueEncodings.Encode(text, encoding);
            // "attributes.city" is read as attributes.city: a dotted name becomes a member of an object (one level).
            var dot = key.IndexOf('.');
            if (dot > 0 && dot < key.Length - 1)
            {
                var root = key[..dot];
                if (_variables.TryGetValue(root, out var existing) && existing is ScriptObject inner) inner.SetValue(key[(dot + 1)..], encoded, false);
                else _variables.SetValue(root, new ScriptObject(8, StringComparer.OrdinalIgnoreCase) { [key[(dot + 1)..]] = encoded }, false);
                continue;
            }
            _variables.SetValue(key, encoded, false);
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
