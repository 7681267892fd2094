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
    public void TryCompile_RefusesOversizedSource_AtLineOneColumnOne()
    {
        Assert.False(_engine.TryCompile(new string('x', 20_001), out _, out var error));
        Assert.Contains("20000", error.Message);
        Assert.Equal((1, 1), (error.Line, error.Column));
    }

    [Fact]
    public void TryCompile_AcceptsSourceExactlyAtTheLimit() => Assert.True(_engine.TryCompile(new string('x', 20_000), out _, out _));

    [Fact]
    public void TryCompile_UnclosedTagAfterChineseText_ReportsItsColumn()
    {
        Assert.False(_engine.TryCompile("尊敬的客户：\n您好 {% for x in xs %}{{ x }}", out _, out var error));
        Assert.Equal(("Tag 'for' was never closed", 2, 4), (error.Message, error.Line, error.Column));
    }

    [Fact]
    public void TryCompile_UnterminatedTag_ReportsWhereItStarts()
    {
        Assert.False(_engine.TryCompile("a\nb\n  {% assign y = x ", out _, out var error));
        Assert.Equal((3, 3), (error.Line, error.Column));
        Assert.Contains("not closed with '%}'", error.Message);
    }

    [Fact]
    public void TryRender_WithoutHtmlFlag_InsertsValuesAsTheyAre()
    {
        Assert.True(_engine.TryCompile("您的验证码是{{code}}", out var t, out _));
        Assert.True(_engine.TryRender(t, new Dictionary<string, string> { ["code"] = "123456" }, out var output, out var error), error);
        Assert.Equal("您的验证码是123456", output);
        Assert.True(_engine.TryRender(t, new Dictionary<string, string> { ["code"] = "<b>&" }, out output, out _));
        Assert.Equal("您的验证码是<b>&", output);
    }

    [Fact]
    public void CompiledTemplate_CanBeRenderedAgainWithOtherValues()
    {
        Assert.True(_engine.TryCompile("{{ a }}-{{ b }}", out var t, out _));
        Assert.True(_engine.TryRender(t, new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, out var first, out _));
        Assert.True(_engine.TryRender(t, new Dictionary<string, string> { ["a"] = "x" }, out var second, out _));
        Assert.Equal(("1-2", "x-"), (first, second));
    }

    [Fact]
    public void Render_ErrorInAFilter_IsReturnedNotThrown()
    {
        var error = RenderError("{{ 10 | divided_by: zero }}", new Dictionary<string, string> { ["zero"] = "0" });
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void Render_NullValue_RendersEmpty()
    {
        Assert.True(_engine.TryCompile("[{{ v }}]", out var t, out _));
        Assert.True(_engine.TryRender(t, new Dictionary<string, string> { ["v"] = null! }, out var output, out var error), error);
        Assert.Equal("[]", output);
    }

    [Fact]
    public void Render_SlowTemplate_StopsAtTheTimeout()
    {
        var engine = new LiquidTemplateEngine(Options.Create(new TemplateLimits { MaxIterations = 1_000_000, RenderTimeoutMs = 50, MaxOutputLength = 100_000_000 }));
        Assert.True(engine.TryCompile("{% for a in (1..1000000) %}{% for b in (1..1000000) %}{% endfor %}{% endfor %}", out var t, out _));
        var watch = Stopwatch.StartNew();
        Assert.False(engine.TryRender(t, new Dictionary<string, string>(), out _, out var error));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.Equal("rendering took longer than 50 ms", error);
    }

    [Fact]
    public void Render_OutputExactlyAtTheLimit_IsAllowed()
    {
        var engine = new LiquidTemplateEngine(Options.Create(new TemplateLimits { MaxOutputLength = 10 }));
        Assert.True(engine.TryCompile("{{ v }}", out var t, out _));
        Assert.True(engine.TryRender(t, new Dictionary<string, string> { ["v"] = "0123456789" }, out var output, out _));
        Assert.Equal("0123456789", output);
        Assert.False(engine.TryRender(t, new Dictionary<string, string> { ["v"] = "0123456789x" }, out _, out var error));
        Assert.Equal("output is longer than the 10 characters allowed", error);
    }

    [Fact]
    public void Render_HugeOutputFromNestedLoops_StopsAtTheOutputLimitQuickly()
    {
        var engine = new LiquidTemplateEngine(Options.Create(new TemplateLimits { RenderTimeoutMs = 60_000 }));
        Assert.True(engine.TryCompile("{% for a in (1..1000) %}{% for b in (1..1000) %}{{ v }}{% endfor %}{% endfor %}", out var t, out _));
        var watch = Stopwatch.StartNew();
        Assert.False(engine.TryRender(t, new Dictionary<string, string> { ["v"] = new('x', 4_000) }, out _, out var error));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.StartsWith("output is longer than", error);
    }

    [Fact]
    public void Render_AfterAnOversizedRender_StillWorksOnTheSameThread()
    {
        var engine = new LiquidTemplateEngine(Options.Create(new TemplateLimits { MaxOutputLength = 5 }));
        Assert.True(engine.TryCompile("{{ v }}", out var t, out _));
        Assert.False(engine.TryRender(t, new Dictionary<string, string> { ["v"] = "toolong" }, out _, out _));
        Assert.True(engine.TryRender(t, new Dictionary<string, string> { ["v"] = "ok" }, out var output, out _));
        Assert.Equal("ok", output);
    }

    [Theory]
    [InlineData("Hi {{ name }}, your code is {{code}}.", "Hi {N}, your code is 123456.")]
    [InlineData("您的验证码是{{ code }}，{{ minutes }}分钟内有效。", "您的验证码是123456，5分钟内有效。")]
    [InlineData("a  {{- name -}}  b\n  {{ code }}\n", "a{N}b\n  123456\n")]
    [InlineData("{{ name }}|{{ missing }}|{{ name}}{{name }}", "{N}||{N}{N}")]
    [InlineData("no variables at all", "no variables at all")]
    [InlineData("", "")]
    public void Render_TextAndBareVariables_FillTheHolesExactly(string source, string expected)
    {
        Assert.True(_engine.TryCompile(source, out var t, out _));
        foreach (var encode in new[] { false, true })
        {
            var vars = new Dictionary<string, string> { ["name"] = "A<&>\"'b", ["code"] = "123456", ["minutes"] = "5" };
            Assert.True(_engine.TryRender(t, vars, encode, out var output, out var error), error);
            Assert.Equal(expected.Replace("{N}", encode ? "A&lt;&amp;&gt;&quot;&#39;b" : "A<&>\"'b"), output);
        }
    }

    [Fact]
    public void Render_VariableNames_MatchIgnoringCase_InEveryTemplate()
    {
        var vars = new Dictionary<string, string> { ["Name"] = "Alice" };
        Assert.True(_engine.TryCompile("{{ name }}/{{ NAME }}", out var plain, out _));
        Assert.True(_engine.TryCompile("{% if true %}{{ name }}/{{ NAME }}{% endif %}", out var liquid, out _));
        Assert.True(_engine.TryRender(plain, vars, out var fromPlain, out _));
        Assert.True(_engine.TryRender(liquid, vars, out var fromLiquid, out _));
        Assert.Equal(("Alice/Alice", "Alice/Alice"), (fromPlain, fromLiquid));
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
    public void CompiledTemplate_RendersHtmlEncodedAndPlainFromManyThreadsAtOnce()
    {
        // A generous deadline: this checks shared state, not speed, and a 2-core host can stall a thread for a while.
        var engine = new LiquidTemplateEngine(Options.Create(new TemplateLimits { RenderTimeoutMs = 30_000 }));
        Assert.True(engine.TryCompile("<i>{{ v }}</i>{% for i in (1..3) %}{{ i }}{% endfor %}", out var t, out _));
        var failures = 0;
        Parallel.For(0, 4_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var encode = i % 2 == 0;
            var ok = engine.TryRender(t, new Dictionary<string, string> { ["v"] = $"<{i}>" }, encode, out var output, out _);
            var expected = encode ? $"<i>&lt;{i}&gt;</i>123" : $"<i><{i}></i>123";
            if (!ok || output != expected) Interlocked.Increment(ref failures);
        });
        Assert.Equal(0, failures);
    }

    [Fact]
    public void CompiledTemplate_RendersCorrectlyFromManyThreads()
    {
        var engine = new LiquidTemplateEngine(Options.Create(new TemplateLimits { RenderTimeoutMs = 30_000 }));
        Assert.True(engine.TryCompile("{% assign greeting = 'Hi' %}{{ greeting }} {{ name }} #{{ n }}", out var t, out _));
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 5_000, i =>
        {
            var ok = engine.TryRender(t, new Dictionary<string, string> { ["name"] = "u" + i, ["n"] = i.ToString() }, false, out var output, out var error);
            if (!ok || output != $"Hi u{i} #{i}") failures.Add($"{i}: {output ?? error}");
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void FindVariables_ListsRootNamesInFirstUseOrder_WithoutTheLoopVariable() =>
        Assert.Equal(["name", "items", "code"], _engine.FindVariables("Hello {{ name }}, {% for x in items %}{{ x }}{% endfor %} {{ code | upcase }}"));

    [Fact]
    public void FindVariables_ListsEachNameOnce_AndSkipsCapturedNamesAndStrings() =>
        Assert.Equal(["a", "b"], _engine.FindVariables("{{ a }}{% capture c %}{{ b }}{% endcapture %}{{ c }}{{ a }}{{ 'literal' }}{% if b == 'x' %}{% endif %}"));

    [Fact]
    public void FindVariables_SkipsRawAndCommentBlocks() =>
        Assert.Equal(["shown"], _engine.FindVariables("{% raw %}{{ hidden }}{% endraw %}{% comment %}{{ also_hidden }}{% endcomment %}{{ shown }}"));

    [Fact]
    public void CompiledTemplate_ExposesSourceAndVariables()
    {
        Assert.True(_engine.TryCompile("{{ greeting }} {{ name }}", out var t, out _));
        Assert.Equal("{{ greeting }} {{ name }}", t.Source);
        Assert.Equal(["greeting", "name"], t.Variables);
    }

    [Fact]
    public void FindVariables_ListsRootVariables_WithoutLoopAndAssignedNames()
    {
        Assert.Equal(["name", "items", "code", "limit_value"],
            _engine.FindVariables("Hello {{ name }}, {% for x in items %}{{ x.title }}{% endfor %} {{ code | upcase }} {% assign y = 'a' %}{{ y }}{{ 'q' | append: limit_value }}"));
        Assert.Empty(_engine.FindVariables("{% if %}"));
    }

    // Templates of a few hundred characters that, unbounded, build strings of gigabytes between two deadline checks.
    private static readonly string[] ExhaustingSources =
    [
        // Squares the string three times: 10, 100, 10,000, then 100,000,000 characters.
        "{% assign a = \"xxxxxxxxxx\" %}{% assign a = a | replace: \"x\", a %}{% assign a = a | replace: \"x\", a %}{% assign a = a | replace: \"x\", a %}{% assign a = a | replace: \"x\", a %}{{ a }}",
        "{% assign a = \"xxxxxxxxxx\" %}" + string.Concat(Enumerable.Repeat("{% assign a = a | append: a %}", 30)) + "{{ a | size }}",
        "{% assign a = \"xxxxxxxxxx\" %}" + string.Concat(Enumerable.Repeat("{% assign a = a | prepend: a %}", 30)) + "{{ a | size }}",
        "{% assign a = \"xxxxxxxxxx\" %}" + string.Concat(Enumerable.Repeat("{% capture a %}{{ a }}{{ a }}{% endcapture %}", 30)) + "{{ a | size }}",
        "{{ \"xxxxxxxxxx\" | times: 1000000000 | join: \"\" }}",
        "{% assign parts = \"x\" | times: 1000000000 %}{{ parts }}",
        "{% assign a = \"x\" | times: 90000 | join: \"\" %}{% assign b = a | split: \"\" | join: a %}{{ b | size }}",
        "{% assign a = \"x\" | times: 90000 | join: \"\" %}{% for i in (1..1000) %}{% assign b = a | append: i %}{% endfor %}{{ b | size }}",
        "{{ (1..2000000000) }}",
        "{{ (1..2000000000) | join: \",\" }}",
        "{{ (1..2000000000) | sort | first }}",
        "{{ (1..2000000000) | last }}",
        "{{ (1..2000000000) | size }}",
        "{% assign v = \"x\" | times: 4000 | join: \"\" %}{% ifchanged %}{% for a in (1..1000) %}{% for b in (1..1000) %}{{ v }}{% endfor %}{% endfor %}{% endifchanged %}",
        "{% assign v = \"x\" | times: 4000 | join: \"\" %}{% tablerow c in (1..3) %}{% for a in (1..1000) %}{% for b in (1..1000) %}{{ v }}{% endfor %}{% endfor %}{% endtablerow %}",
        "{% assign v = \"x\" | times: 4000 | join: \"\" %}{% capture c %}{% for a in (1..1000) %}{% for b in (1..1000) %}{{ v }}{% endfor %}{% endfor %}{% endcapture %}",
    ];

    public static TheoryData<string> ExhaustingTemplates => new(ExhaustingSources);

    [Theory]
    [MemberData(nameof(ExhaustingTemplates))]
    public void Render_TemplateThatWouldExhaustTheServer_IsRefusedQuickly_WithBoundedMemory(string source)
    {
        Assert.True(_engine.TryCompile(source, out var t, out var compileError), compileError?.ToString());
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var ok = _engine.TryRender(t, new Dictionary<string, string>(), false, out _, out var error);
        watch.Stop();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.False(ok, "the render should have been refused");
        // Named limits: a value's size, all the values together, the output, a loop's (and range's) length, or the time.
        Assert.Matches("at most 100000 are allowed|100000 characters allowed|400000 characters of values|more than 1000 times|longer than 250 ms", error);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}"); // the deadline is 250 ms; generous for a busy host
        Assert.True(allocated < 64L * 1024 * 1024, $"allocated {allocated / (1024 * 1024)} MB");
    }

    [Fact]
    public void Render_NestedReplace_NamesTheValueLimit()
    {
        var error = RenderError("{% assign a = 'xxxxxxxxxx' %}{% assign a = a | replace: 'x', a %}{% assign a = a | replace: 'x', a %}{% assign a = a | replace: 'x', a %}{{ a }}");
        Assert.Equal("a value built by the template would be 100000000 characters; at most 100000 are allowed", error);
    }

    [Fact]
    public void Render_ManyLargeValues_AreRefusedByTheTotalOfAllValues()
    {
        var error = RenderError("{% assign a = 'x' | times: 90000 | join: '' %}{% for i in (1..10) %}{% assign b = a | append: i %}{% endfor %}");
        Assert.Equal("the template built more than the 400000 characters of values allowed in one render", error);
    }

    [Fact]
    public void Render_ExhaustingTemplates_TwentyAtOnce_AreAllRefused_AndTheEngineStillRenders()
    {
        var sources = ExhaustingSources;
        var results = new System.Collections.Concurrent.ConcurrentBag<(bool Ok, string? Error)>();
        var watch = Stopwatch.StartNew();
        Parallel.For(0, 20, new ParallelOptions { MaxDegreeOfParallelism = 20 }, i =>
        {
            Assert.True(_engine.TryCompile(sources[i % sources.Length], out var t, out _));
            var ok = _engine.TryRender(t, new Dictionary<string, string>(), false, out _, out var error);
            results.Add((ok, error));
        });
        Assert.Equal(20, results.Count);
        Assert.All(results, r => Assert.False(r.Ok));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        Assert.Equal("HI ALICE", Render("{{ 'hi ' | append: name | upcase }}", ("name", "alice")));
    }

    [Theory]
    [InlineData("{{ v | replace: 'a', 'bb' }}", "bbxbb")]
    [InlineData("{{ v | replace: '.', ',' }}", "axa")] // literal, not a regular expression
    [InlineData("{{ v | replace_first: 'a', 'b' }}", "bxa")]
    [InlineData("{{ v | remove_first: 'a' }}", "xa")]
    [InlineData("{{ v | append: '!' | prepend: '<' }}", "<axa!")]
    [InlineData("{{ v | split: 'x' | join: '-' }}", "a-a")]
    [InlineData("{{ v | split: '' | reverse | join: '' }}", "axa")]
    [InlineData("{{ v | size }}/{{ (1..5) | size }}/{{ (1..5) | last }}/{{ (1..3) }}", "3/5/5/123")]
    [InlineData("{{ 'ab' | times: 3 | join: '' }}", "ababab")]
    [InlineData("{{ 2 | times: 3 }}/{{ 7 | plus: 1 }}/{{ 'z' | plus: 1 }}", "6/8/z1")]
    [InlineData("{% capture c %}[{{ v }}]{% endcapture %}{{ c | upcase }}", "[AXA]")]
    [InlineData("{% for i in (1..3) %}{% ifchanged %}{{ v }}{% endifchanged %}{% endfor %}", "axa")]
    [InlineData("{% assign r = 'a,b' | split: ',' %}{% if r contains 'b' %}yes{% endif %}{% if r contains 'c' %}no{% endif %}", "yes")]
    [InlineData("{{ v | truncate: 2, '' }}|{{ v | escape }}|{{ v | slice: 1, 2 }}|{{ (1..5) | slice: 1, 2 | join: ',' }}", "ax|axa|xa|2,3")]
    [InlineData("{{ 'b,a,c' | split: ',' | sort | join: '' }}{{ 'b,a,b' | split: ',' | uniq | size }}", "abc2")]
    public void Render_BoundedFilters_BehaveAsLiquid(string source, string expected) => Assert.Equal(expected, Render(source, ("v", "axa")));

    [Fact]
    public void Render_TableRow_RendersCellsAsBefore() =>
        Assert.Equal("<tr class=\"row1\">\n<td class=\"col1\">1</td><td class=\"col2\">2</td></tr>\n<tr class=\"row2\"><td class=\"col1\">3</td></tr>\n",
            Render("{% tablerow i in (1..3) cols: 2 %}{{ i }}{% endtablerow %}"));

    [Fact]
    public void TryCompile_ParamUsing_IsRefused_SoNoUnboundedFilterCanBeAdded()
    {
        Assert.False(_engine.TryCompile("{% param using = 'ShopifyFilters' %}{{ 'x' | md5 }}", out _, out var error));
        Assert.Contains("param using", error.Message);
    }

    [Fact]
    public void EveryFunctionATemplateCanReach_IsABoundedFilter()
    {
        var context = LiquidSandbox.Rent(new TemplateLimits());
        var reachable = context.BuiltinObject.Keys.ToList();
        Assert.NotEmpty(reachable);
        // Only the bounded filters, under names no template can spell: Scriban's own builtins (string, array, date,
        // regex, include, object...) are gone.
        Assert.All(reachable, name => Assert.StartsWith(SafeFilters.Prefix, name));
        Assert.All(reachable, name => Assert.Same(SafeFilters.Functions[name], context.BuiltinObject[name]));
        // Every standard Liquid filter is there, so templates keep working.
        string[] liquid =
        [
            "abs", "append", "at_least", "at_most", "capitalize", "ceil", "compact", "concat", "date", "default", "divided_by", "downcase",
            "escape", "escape_once", "first", "floor", "join", "last", "lstrip", "minus", "modulo", "newline_to_br", "plus", "prepend",
            "remove", "remove_first", "replace", "replace_first", "reverse", "round", "rstrip", "size", "slice", "sort", "sort_natural",
            "split", "strip", "strip_html", "strip_newlines", "times", "truncate", "truncatewords", "uniq", "upcase", "url_decode", "url_encode",
        ];
        Assert.All(liquid, name => Assert.Contains(name, SafeFilters.Names));
    }

    // Liquid's results for the filters templates use, with string variables as every API caller sends them.
    [Theory]
    [InlineData("{{ n | plus: 1 }}", "42")] // Scriban's Liquid mode alone gives 411
    [InlineData("{{ n | times: 2 }}", "82")] // and 4141
    [InlineData("{{ n | minus: 1 }}|{{ n | divided_by: 2 }}|{{ n | modulo: 5 }}", "40|20|1")]
    [InlineData("{{ n | divided_by: 2.0 }}|{{ f | plus: 1 }}|{{ f | times: 2 }}|{{ 1 | plus: n }}", "20.5|2.5|3|42")]
    [InlineData("{{ -7 | divided_by: 2 }}|{{ -7 | modulo: 3 }}|{{ n | at_least: 50 }}|{{ n | at_most: 50 }}", "-4|2|50|41")]
    [InlineData("{{ f | round }}|{{ f | ceil }}|{{ f | floor }}|{{ '3.14159' | round: 2 }}|{{ -3 | abs }}", "2|2|1|3.14|3")]
    [InlineData("{{ d | date: '%Y-%m-%d %H:%M' }}|{{ 0 | date: '%Y' }}|{{ d | date: '%d/%m' }}", "2026-04-15 10:30|1970|15/04")]
    [InlineData("{{ missing | default: 'x' }}|{{ blank_value | default: 'x' }}|{{ n | default: 'x' }}", "x|x|41")]
    [InlineData("{{ s | truncate: 7 }}|{{ s | truncate: 4, '' }}|{{ s | truncatewords: 2 }}|{{ s | truncatewords: 9 }}", "Hell...|Hell|Hello big...|Hello big world")]
    [InlineData("{{ s | size }}|{{ s | split: ' ' | size }}|{{ s | upcase }}|{{ s | downcase }}|{{ 'hELLO' | capitalize }}", "15|3|HELLO BIG WORLD|hello big world|Hello")]
    [InlineData("{% if n == '41' %}a{% endif %}{% if s != 'x' %}b{% endif %}{% if s contains 'big' %}c{% endif %}{% if n > '40' %}d{% endif %}", "abcd")]
    [InlineData("{{ s | slice: 0, 5 }}|{{ s | slice: 10, 5 }}|{{ s | remove: 'big ' }}|{{ s | newline_to_br }}", "Hello|world|Hello world|Hello big world")]
    [InlineData("{{ '<p>a</p>' | strip_html }}|{{ '<b>' | escape }}|{{ '&lt;b&gt;' | escape_once }}|{{ 'a b&c' | url_encode }}", "a|&lt;b&gt;|&lt;b&gt;|a+b%26c")]
    [InlineData("{% assign xs = 'c,a,b' | split: ',' %}{{ xs | sort | join: '' }}{{ xs | first }}{{ xs | last }}{{ xs | reverse | join: '' }}", "abccbbac")]
    [InlineData("{% case n %}{% when '41' %}forty-one{% else %}other{% endcase %}", "forty-one")]
    [InlineData("{% for i in (1..4) %}{% cycle 'x', 'y' %}{% endfor %}", "xyxy")]
    public void Render_Filters_GiveLiquidsResults_ForStringVariables(string source, string expected) =>
        Assert.Equal(expected, Render(source, ("n", "41"), ("f", "1.5"), ("d", "2026-04-15T10:30:00Z"), ("s", "Hello big world"), ("blank_value", "")));

    [Fact]
    public void Render_Date_Now_ReadsTheInjectedClock()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2031, 2, 3, 4, 5, 6, TimeSpan.Zero));
        var engine = new LiquidTemplateEngine(Options.Create(new TemplateLimits()), clock);
        Assert.True(engine.TryCompile("{{ 'now' | date: '%Y-%m-%d' }}", out var t, out _));
        Assert.True(engine.TryRender(t, new Dictionary<string, string>(), out var output, out var error), error);
        Assert.Equal("2031-02-03", output);
    }

    [Fact]
    public void Render_VariablesNamedLikeFilters_AreVariables_AndFiltersStillWork()
    {
        // Liquid keeps filters and variables apart; a CSV column called "date", "first" or "size" must not break either.
        Assert.Equal("2026|Ann|3|", Render("{{ date | date: '%Y' }}|{{ first }}|{{ size | size }}|{{ last }}", ("date", "2026-01-02"), ("first", "Ann"), ("size", "abc")));
    }

    [Theory]
    [InlineData("{{ \"x\".GetType }}{{ s.GetType.Assembly }}{{ s.Length }}")]
    [InlineData("{{ date.now }}{{ string.pad_left 'x' 1000000 }}")]
    [InlineData("{{ object.typeof s }}{{ array }}{{ math }}{{ regex }}{{ include }}{{ this }}")]
    public void Render_NoDotNetObjectOrScribanBuiltin_IsReachable(string source)
    {
        Assert.True(_engine.TryCompile(source, out var t, out var compileError), compileError?.ToString());
        if (_engine.TryRender(t, new Dictionary<string, string> { ["s"] = "abc" }, out var output, out var error))
            Assert.Matches(@"^(3|abc|)*$", output); // nothing but the variable's own text, or nothing
        else
            Assert.DoesNotContain("System.", error);
    }

    [Fact]
    public void TryCompile_UnknownFilter_IsRefusedWithItsPosition()
    {
        Assert.False(_engine.TryCompile("ok\n{{ name | frobnicate }}", out _, out var error));
        Assert.Equal(("Unknown filter 'frobnicate'", 2, 11), (error.Message, error.Line, error.Column));
    }

    [Fact]
    public void TryCompile_ScribanSyntaxError_KeepsLineAndColumn()
    {
        Assert.False(_engine.TryCompile("line\n{{ a | }}", out _, out var error));
        Assert.Equal(2, error.Line);
        Assert.True(error.Column > 1, error.ToString());
        Assert.DoesNotContain("<input>", error.Message);
    }

    [Fact]
    public void Render_Include_IsRefused_EvenWithAVariableName()
    {
        var error = RenderError("{% include page %}", new Dictionary<string, string> { ["page"] = "/etc/passwd" });
        Assert.Equal("templates cannot include other files", error);
    }

    [Fact]
    public void Render_SameTemplateTwentyTimesAtOnce_WithMathAndLoops_GivesEachItsOwnText()
    {
        Assert.True(_engine.TryCompile("{% for i in (1..3) %}{{ n | plus: i }},{% endfor %}{{ n | times: 2 }}", out var t, out _));
        var outputs = new string?[20];
        Parallel.For(0, 20, new ParallelOptions { MaxDegreeOfParallelism = 20 }, i =>
            _engine.TryRender(t, new Dictionary<string, string> { ["n"] = i.ToString() }, out outputs[i], out _));
        for (var i = 0; i < 20; i++) Assert.Equal($"{i + 1},{i + 2},{i + 3},{i * 2}", outputs[i]);
    }
}
