using CommsConsole.Features.Templates;
using Microsoft.Extensions.Options;

namespace CommsConsole.Tests.Features.Templates;

/// <summary>
/// Every template the project ships or documents, with the text it rendered to before the engine changed
/// (recorded on the previous engine): the seeded defaults, the README's and document 003's examples, the
/// benchmark's templates and the Liquid a marketer writes (conditions, loops, assign, capture, text filters).
/// </summary>
public sealed class ShippedTemplatesTests
{
    // The production limits but a deadline no loaded test machine reaches: these tests are about output (the deadline has
    // its own tests), and a first render on two busy cores has taken over 250 ms.
    private readonly LiquidTemplateEngine _engine = new(Options.Create(new TemplateLimits { RenderTimeoutMs = 30_000 }));

    private static readonly Dictionary<string, string> Sample = new()
    {
        ["code"] = "123456", ["time"] = "5", ["minutes"] = "2", ["content"] = "您有新的课程安排，请及时查看。",
        ["name"] = "Alice", ["tier"] = "gold", ["city"] = "  Shanghai  ", ["items"] = "pen,book,cup", ["nothing"] = "",
        ["html"] = "<b>Tom & Jerry</b>", ["long"] = "The quick brown fox jumps over the lazy dog",
    };

    public static TheoryData<string, string> Templates => new()
    {
        { TemplateService.Defaults[0].Body, "您的验证码是123456，5分钟内有效。" },
        { TemplateService.Defaults[1].Body, "您有新的课程安排，请及时查看。" },
        { "您的验证码是{{code}}", "您的验证码是123456" },
        { "您的验证码是{{code}}，{{minutes}}分钟内有效。", "您的验证码是123456，2分钟内有效。" },
        { "{% if minutes == '1' %}【CommsConsole】{% endif %}您的验证码是{{ code | upcase }}，{{ minutes }}分钟内有效。", "您的验证码是123456，2分钟内有效。" },
        { "{% if minutes == '2' %}【CommsConsole】{% endif %}您的验证码是{{ code | upcase }}，{{ minutes }}分钟内有效。", "【CommsConsole】您的验证码是123456，2分钟内有效。" },
        { "Hi {{ name }}, your code is {{code}}.", "Hi Alice, your code is 123456." },
        { "a  {{- name -}}  b\n  {{ code }}\n", "aAliceb\n  123456\n" },
        { "Dear {{ name }},\n{% if tier == 'gold' %}Thanks for being gold.{% elsif tier == 'silver' %}Silver!{% else %}Hello.{% endif %}\nBye", "Dear Alice,\nThanks for being gold.\nBye" },
        { "{% unless tier == 'gold' %}not gold{% endunless %}{% case tier %}{% when 'gold' %}G{% when 'silver' %}S{% else %}?{% endcase %}", "G" },
        { "{% assign parts = items | split: ',' %}{% for p in parts %}{{ forloop.index }}.{{ p | capitalize }}{% unless forloop.last %}, {% endunless %}{% endfor %}", "1.Pen, 2.Book, 3.Cup" },
        { "{% capture greeting %}Hello {{ name | upcase }}{% endcapture %}{{ greeting }}!", "Hello ALICE!" },
        { "{{ name | downcase }}|{{ name | size }}|{{ city | strip }}|{{ name | append: '!' | prepend: '>' }}", "alice|5|Shanghai|>Alice!" },
        { "{{ missing | default: 'friend' }}|{{ nothing | default: 'none' }}|{{ name | default: 'x' }}", "friend|none|Alice" },
        { "{{ long | truncate: 20 }}|{{ long | truncate: 10, '' }}", "The quick brown f...|The quick " },
        { "{{ html | escape }}|{{ html | strip_html }}|{{ 'a b' | url_encode }}", "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;|Tom & Jerry|a+b" },
        { "{{ long | replace: 'o', '0' }}|{{ long | replace_first: 'o', '0' }}|{{ long | remove: 'the ' }}", "The quick br0wn f0x jumps 0ver the lazy d0g|The quick br0wn fox jumps over the lazy dog|The quick brown fox jumps over lazy dog" },
        { "{{ items | split: ',' | join: ' / ' }}|{{ items | split: ',' | first }}|{{ items | split: ',' | last }}|{{ items | split: ',' | size }}", "pen / book / cup|pen|cup|3" },
        { "{% for i in (1..3) %}{{ i }}{% endfor %}|{% for p in (1..5) limit: 2 offset: 1 %}{{ p }}{% endfor %}|{% for x in (1..3) reversed %}{{ x }}{% endfor %}", "123|23|321" },
        { "{% if name and tier %}both{% endif %}{% if missing or name %}+{% endif %}{% if name contains 'li' %}li{% endif %}{% if missing %}no{% endif %}", "both+li" },
        { "{% raw %}{{ not rendered }}{% endraw %}{% comment %}hidden{% endcomment %}", "{{ not rendered }}" },
        { "{% assign n = 3 %}{{ n | plus: 2 }}|{{ 10 | minus: 4 }}|{{ 6 | times: 7 }}|{{ 20 | divided_by: 3 }}|{{ 20 | modulo: 3 }}|{{ 20.0 | divided_by: 8 }}", "5|6|42|6|2|2.5" },
        { "<p>Hi {{ name }}</p><p>{{ html }}</p>", "<p>Hi Alice</p><p><b>Tom & Jerry</b></p>" },
    };

    [Theory]
    [MemberData(nameof(Templates))]
    public void Render_ShippedAndDocumentedTemplates_GiveTheSameTextAsBefore(string source, string expected)
    {
        Assert.True(_engine.TryCompile(source, out var template, out var error), error?.ToString());
        Assert.True(_engine.TryRender(template, Sample, false, out var output, out var renderError), renderError);
        Assert.Equal(expected, output);
    }
}
