using System.Collections;
using System.Diagnostics;

namespace CommsConsole.Features.Templates;

/// <summary>
/// What one render may spend: time, the size of every value it builds (filter results, assigned and captured
/// text, lists) and the characters of all those values together. Every filter and tag that builds a value
/// claims it here <em>before</em> allocating it, so a template cannot square a string a few times over and
/// fill memory between two of the engine's own deadline checks. Scriban's own limits bound loops, recursion
/// and text; this bounds what its filters and blocks build, which it does not (<see cref="SafeFilters"/>,
/// <see cref="LiquidAdapter"/>, <see cref="LiquidSandbox"/> call it).
/// </summary>
internal sealed class RenderBudget
{
    [ThreadStatic] private static RenderBudget? _current;

    private readonly long _deadline;
    private long _built;

    private RenderBudget(TemplateLimits limits)
    {
        MaxValueLength = limits.MaxOutputLength;
        MaxBuiltLength = limits.MaxBuiltLength;
        TimeoutMs = limits.RenderTimeoutMs;
        _deadline = TimeoutMs > 0 ? Stopwatch.GetTimestamp() + TimeoutMs * Stopwatch.Frequency / 1000 : long.MaxValue;
    }

    /// <summary>The largest single value (and output) a render may build, in characters.</summary>
    public int MaxValueLength { get; }

    /// <summary>The characters of all the values one render may build together.</summary>
    public long MaxBuiltLength { get; }

    public int TimeoutMs { get; }

    /// <summary>The render running on this thread; outside one (a direct call), a fresh budget with the default limits.</summary>
    public static RenderBudget Current => _current ?? new RenderBudget(new TemplateLimits());

    /// <summary>Starts a render's budget on this thread; disposing restores the one before (a nested render).</summary>
    public static Scope Begin(TemplateLimits limits)
    {
        var previous = _current;
        _current = new RenderBudget(limits);
        return new Scope(previous);
    }

    public readonly struct Scope(RenderBudget? previous) : IDisposable
    {
        public void Dispose() => _current = previous;
    }

    /// <summary>Throws <see cref="TimeoutException"/> once the render has run past its deadline.</summary>
    public void CheckTime()
    {
        if (Stopwatch.GetTimestamp() > _deadline) throw new TimeoutException();
    }

    /// <summary>Claims a value of <paramref name="length"/> characters about to be built; throws when it does not fit.</summary>
    public void Claim(long length)
    {
        CheckTime();
        if (length > MaxValueLength)
            throw new RenderLimitException($"a value built by the template would be {length} characters; at most {MaxValueLength} are allowed");
        _built += length;
        if (_built > MaxBuiltLength)
            throw new RenderLimitException($"the template built more than the {MaxBuiltLength} characters of values allowed in one render");
    }

    /// <summary>Checks a value that was built without a claim (by code outside the budget's control) and counts it.</summary>
    public T Checked<T>(T value)
    {
        switch (value)
        {
            case string s: Claim(s.Length); break;
            case IEnumerable e and not string: Items(e); break;
        }
        return value;
    }

    /// <summary>
    /// The items of a list, read at most up to the value limit (each item costs one character plus its text), with
    /// the deadline checked as it goes: a range such as (1..2000000000) is refused instead of being walked.
    /// </summary>
    public List<object?> Items(IEnumerable source)
    {
        var items = source is ICollection c ? new List<object?>(Math.Min(c.Count, 1024)) : [];
        long length = 0;
        foreach (var item in source)
        {
            length += 1 + (item is string s ? s.Length : 0);
            if ((items.Count & 255) == 0) CheckTime();
            if (length > MaxValueLength)
                throw new RenderLimitException($"a list built by the template would be longer than the {MaxValueLength} characters allowed");
            items.Add(item);
        }
        Claim(length);
        return items;
    }

    /// <summary>Walks a list without keeping it (a condition's <c>contains</c>), bounded by the deadline.</summary>
    public bool Any(IEnumerable source, Func<object?, bool> match)
    {
        var n = 0;
        foreach (var item in source)
        {
            if ((++n & 255) == 0) CheckTime();
            if (match(item)) return true;
        }
        return false;
    }
}
