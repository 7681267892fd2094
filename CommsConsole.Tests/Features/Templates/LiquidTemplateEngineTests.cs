using System.Diagnostics;
using CommsConsole.Features.Templates;
using Microsoft.Extensions.Options;

namespace CommsConsole.Tests.Features.Templates;

public sealed class LiquidTemplateEngineTests
{
    private readonly LiquidTemplateEngine _engine = new(Options.Create(new TemplateLimits()));

    private string Render(string source, params (string Key, string Value)[] variables)
    {
        Assert.True(_engine.TryCompile(source, out var t, out var error), error?.ToString());
        Assert.True(_engine.TryRender(t, variables.ToDictionary(v => v.Key, v => v.Value), false, out var output, out var renderError), renderError);
        return output;
    }

    private string RenderError(string source, IReadOnlyDictionary<string, string>? variables = null)
    {
        Assert.True(_engine.TryCompile(source, out var t, out var error), error?.ToString());
        Assert.False(_engine.TryRender(t, variables ?? new Dictionary<string, string>(), false, out _, out var renderError));
        return renderError;
    }

    [Fact]
    public void Render_SubstitutesVariables_AndKeepsChineseText() =>
        Assert.Equal("您的验证码是123456，5分钟内有效。", Render("您的验证码是{{code}}，{{ time }}分钟内有效。", ("code", "123456"), ("time", "5")));

    [Fact]
    public void Render_MissingVariable_RendersEmpty() => Assert.Equal("Hi !", Render("Hi {{ name }}!"));

    [Fact]
    public void Render_SupportsFiltersAndConditions() =>
        Assert.Equal("HELLO vip", Render("{{ word | upcase }}{% if tier == 'gold' %} vip{% endif %}", ("word", "hello"), ("tier", "gold")));

    [Theory]
    [InlineData("line one\nline two {% if x %} never closed", "Tag 'if' was never closed", 2, 10)]
    [InlineData("ok\n\n  {{ foo ", "Variable '{{ foo' was not closed with '}}'", 3, 3)]
    [InlineData("a\nb {% endif %}", "Tag 'endif' has no matching 'if'", 2, 3)]
    [InlineData("{% for x in xs %}\n{% endif %}", "Tag 'endif' closes 'for' opened at line 1, column 1", 2, 1)]
    [InlineData("x {% frobnicate %}", "Unknown tag 'frobnicate'", 1, 3)]
    public void TryCompile_ReportsTheErrorWithLineAndColumn(string source, string message, int line, int column)
    {
        Assert.False(_engine.TryCompile(source, out _, out var error));
        Assert.Equal(message, error.Message);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains($"line {line}, column {column}", error.ToString());
    }

    [Fact]
    public void TryCompile_RefusesOversizedSource()
    {
        Assert.False(_engine.TryCompile(new string('x', 20_001), out _, out var error));
        Assert.Contains("20000", error.Message);
    }

    [Fact]
    public void TryCompile_RefusesDeepNesting_InsteadOfRecursingIntoTheParser()
    {
        var source = string.Concat(Enumerable.Repeat("{%if a%}", 1_000)) + string.Concat(Enumerable.Repeat("{%endif%}", 1_000));
        Assert.False(_engine.TryCompile(source, out _, out var error));
        Assert.Contains("nested more than", error.Message);
    }

    [Fact]
    public void Render_EndlessLoop_FailsFast()
    {
        var watch = Stopwatch.StartNew();
        var error = RenderError("{% for i in (1..100000000) %}x{% endfor %}");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.Contains("loop", error);
    }

    [Fact]
    public void Render_NestedLoops_AreBoundedByTime()
    {
        var watch = Stopwatch.StartNew();
        var error = RenderError("{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}x{% endfor %}{% endfor %}{% endfor %}");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("{% assign s = 'xx' %}{% for i in (1..200) %}{% assign s = s | append: s %}{% endfor %}{{ s }}")]
    [InlineData("{% assign s = 'xx' %}{% for i in (1..200) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}{{ s }}")]
    [InlineData("{% assign s = 'xx' %}{% for i in (1..200) %}{% assign s = s | replace: 'x', 'xxx' %}{% endfor %}{{ s }}")]
    [InlineData("{% assign a = 'x' %}{% assign b = 'x' %}{% for i in (1..200) %}{% assign a = b | append: b %}{% assign b = a | append: a %}{% endfor %}")]
    public void TryCompile_RefusesAStringThatFeedsOnItselfInALoop(string source)
    {
        Assert.False(_engine.TryCompile(source, out _, out var error));
        Assert.Contains("could grow without limit", error.Message);
    }

    [Fact]
    public void TryCompile_AllowsLoopsThatBuildFromOutsideValues() =>
        Assert.Equal("a-b-c-", Render("{% assign parts = list | split: ',' %}{% for p in parts %}{% assign item = p | append: '-' %}{{ item }}{% endfor %}", ("list", "a,b,c")));

    [Fact]
    public void Render_HugeOutput_IsRefused()
    {
        var error = RenderError("{% for i in (1..1000) %}{{ v }}{% endfor %}", new Dictionary<string, string> { ["v"] = new('x', 1_000) });
        Assert.Contains("output is", error);
    }

    [Fact]
    public void Render_HugeVariable_IsRefused()
    {
        var error = RenderError("{{ v }}", new Dictionary<string, string> { ["v"] = new('x', 5_000) });
        Assert.Contains("variable 'v'", error);
    }

    [Fact]
    public void Render_Include_IsRefused_NotReadFromDisk()
    {
        var error = RenderError("{% include 'etc/passwd' %}");
        Assert.Contains("include", error);
    }

    [Fact]
    public void Render_HtmlEncode_EncodesValuesOnlyWhenAsked()
    {
        Assert.True(_engine.TryCompile("<p>{{ v }}</p>", out var t, out _));
        var vars = new Dictionary<string, string> { ["v"] = "<script>alert(1)</script>" };
        Assert.True(_engine.TryRender(t, vars, true, out var encoded, out _));
        Assert.Equal("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", encoded);
        Assert.True(_engine.TryRender(t, vars, false, out var raw, out _));
        Assert.Equal("<p><script>alert(1)</script></p>", raw);
    }

    [Fact]
    public void CompiledTemplate_RendersCorrectlyFromManyThreads()
    {
        Assert.True(_engine.TryCompile("{% assign greeting = 'Hi' %}{{ greeting }} {{ name }} #{{ n }}", out var t, out _));
        var failures = 0;
        Parallel.For(0, 5_000, i =>
        {
            var ok = _engine.TryRender(t, new Dictionary<string, string> { ["name"] = "u" + i, ["n"] = i.ToString() }, false, out var output, out _);
            if (!ok || output != $"Hi u{i} #{i}") Interlocked.Increment(ref failures);
        });
        Assert.Equal(0, failures);
    }

    [Fact]
    public void FindVariables_ListsRootVariables_WithoutLoopAndAssignedNames()
    {
        Assert.Equal(["name", "items", "code", "limit_value"],
            _engine.FindVariables("Hello {{ name }}, {% for x in items %}{{ x.title }}{% endfor %} {{ code | upcase }} {% assign y = 'a' %}{{ y }}{{ 'q' | append: limit_value }}"));
        Assert.Empty(_engine.FindVariables("{% if %}"));
    }
}
