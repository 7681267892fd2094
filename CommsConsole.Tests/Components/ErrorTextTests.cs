using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CommsConsole.Components.Shared;
using CommsConsole.Features.Common;
using CommsConsole.Features.Messaging;
using CommsConsole.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;

namespace CommsConsole.Tests.Components;

/// <summary>Service errors as the console shows them: every text the code can produce is translated, and values stay values.</summary>
public sealed partial class ErrorTextTests
{
    private static readonly string[] Factories = ["Validation", "NotFound", "Forbidden", "Conflict", "Unauthorized", "TooManyRequests", "Unprocessable"];

    [GeneratedRegex(@"\{(\d+)(:[^}]*)?\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\p{L}")]
    private static partial Regex Letter();

    private sealed record Found(string File, int Line, string? Field, string Format);

    /// <summary>
    /// Every text written at an <c>AppError.X(…)</c> or <c>ErrorText.Of(…)</c> call in the console's source, read with the
    /// C# parser and shaped by <see cref="ErrorText.Shape"/>, the method the running code shapes them with.
    /// </summary>
    private static List<Found> ErrorTextsInSource()
    {
        var source = Path.Combine(SourceTree.Root, "CommsConsole");
        var found = new List<Found>();
        foreach (var file in SourceTree.AppFiles(".cs"))
        {
            var relative = Path.GetRelativePath(source, file);
            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot();
            foreach (var call in root.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (call.Expression is not MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.Text: var type }, Name.Identifier.Text: var method }) continue;
                var isText = (type == "AppError" && Factories.Contains(method)) || (type == "ErrorText" && method == "Of");
                if (!isText || call.ArgumentList.Arguments.Count == 0) continue;
                // An argument that is not written text is an ErrorText made (and found) elsewhere.
                if (Parts(call.ArgumentList.Arguments[0].Expression) is not { } parts) continue;
                var (field, firstValueIsField, format) = ErrorText.Shape(Merge(parts));
                found.Add(new Found(relative, call.GetLocation().GetLineSpan().StartLinePosition.Line + 1, firstValueIsField ? "{value}" : field, format));
            }
        }
        return found;
    }

    private static List<(string? Literal, string? Spec)>? Parts(ExpressionSyntax expression) => expression switch
    {
        ParenthesizedExpressionSyntax p => Parts(p.Expression),
        LiteralExpressionSyntax l when l.IsKind(SyntaxKind.StringLiteralExpression) => [(l.Token.ValueText, null)],
        InterpolatedStringExpressionSyntax s => s.Contents.Select(c => c switch
        {
            InterpolatedStringTextSyntax t => ((string?)t.TextToken.ValueText, (string?)null),
            InterpolationSyntax i => (null, i.FormatClause?.FormatStringToken.ValueText),
            _ => throw new InvalidOperationException(c.ToString()),
        }).ToList(),
        BinaryExpressionSyntax b when b.IsKind(SyntaxKind.AddExpression) => Concat(Parts(b.Left), Parts(b.Right)),
        _ => null,
    };

    private static List<(string? Literal, string? Spec)>? Concat(List<(string? Literal, string? Spec)>? left, List<(string? Literal, string? Spec)>? right) =>
        left is null || right is null ? null : [.. left, .. right];

    private static List<(string? Literal, string? Spec)> Merge(List<(string? Literal, string? Spec)> parts)
    {
        var merged = new List<(string? Literal, string? Spec)>();
        foreach (var part in parts)
        {
            if (part.Literal is not null && merged.Count > 0 && merged[^1].Literal is not null) merged[^1] = (merged[^1].Literal + part.Literal, null);
            else merged.Add(part);
        }
        return merged;
    }

    private static Dictionary<string, string> Chinese() =>
        XDocument.Load(Path.Combine(SourceTree.Root, "CommsConsole", "Resources", "Components", "Shared", "Ui.zh-CN.resx"))
            .Root!.Elements("data").ToDictionary(d => d.Attribute("name")!.Value, d => d.Element("value")!.Value);

    [Fact]
    public void EveryErrorTextInTheSource_HasAChineseTranslation_WithTheSamePlaceholders()
    {
        var found = ErrorTextsInSource();
        Assert.True(found.Count > 150, $"only {found.Count} error texts found; is the scan looking in the right place?");
        var zh = Chinese();

        // A format of placeholders and punctuation only ("{0}; {1}") has nothing to translate.
        var formats = found.Select(f => f.Format).Where(f => Letter().IsMatch(Placeholder().Replace(f, ""))).Distinct().Append("{0}: {1}").ToList();
        var untranslated = formats.Where(f => !zh.ContainsKey(f)).Select(f => $"{f}   ({string.Join(", ", found.Where(x => x.Format == f).Select(x => $"{x.File}:{x.Line}"))})").Order().ToList();
        Assert.True(untranslated.Count == 0, "no zh-CN translation:\n" + string.Join("\n", untranslated));

        static string Holes(string format) => string.Join(",", Placeholder().Matches(format).Select(m => m.Value).Order());
        Assert.Empty(formats.Where(f => Holes(zh[f]) != Holes(f)).Select(f => $"{f} → {zh[f]}"));
    }

    [Fact]
    public void EveryFieldAnErrorNames_HasALabel_TranslatedToChinese()
    {
        var zh = Chinese();
        var fields = ErrorTextsInSource().Select(f => f.Field).OfType<string>().Where(f => f != "{value}").Distinct().ToList();
        Assert.True(fields.Count > 30, $"only {fields.Count} fields found");
        var unlabelled = fields.Where(f => !ErrorTexts.FieldLabels.ContainsKey(f)).Order().ToList();
        Assert.True(unlabelled.Count == 0, "no label:\n" + string.Join("\n", unlabelled));
        var untranslated = ErrorTexts.FieldLabels.Values.Where(l => !zh.ContainsKey(l)).Distinct().Order().ToList();
        Assert.True(untranslated.Count == 0, "no zh-CN translation:\n" + string.Join("\n", untranslated));
    }

    [Fact]
    public void Text_KeepsTheFieldTheFormatAndTheValues_AndTheMessageAsTheInterpolatedStringWas()
    {
        const int max = 200;
        var error = AppError.Validation($"name: required, at most {max} characters");
        Assert.Equal("name", error.Text.Field);
        Assert.Equal("required, at most {0} characters", error.Text.Format);
        Assert.Equal([200], error.Text.Args);
        Assert.Equal("name: required, at most 200 characters", error.Message);

        var field = "quiet_hours_start";
        var time = "25:99";
        var named = ErrorText.Of($"{field}: '{time}' is not a time of day (HH:mm)");
        Assert.Equal(("quiet_hours_start", "'{0}' is not a time of day (HH:mm)"), (named.Field, named.Format));
        Assert.Equal(["25:99"], named.Args);
        Assert.Equal("quiet_hours_start: '25:99' is not a time of day (HH:mm)", named.Message);

        // Literal braces are escaped in the format; format specifiers are kept.
        var price = 0.15m;
        var braces = ErrorText.Of($"variables.{field}: {{ and }} cost {price:0.00}");
        Assert.Equal("variables.{0}: {{ and }} cost {1:0.00}", braces.Format);
        Assert.Equal($"variables.{field}: {{ and }} cost {price:0.00}", braces.Message);

        Assert.Equal("a; b; c", ErrorText.Join([ErrorText.Of("a"), ErrorText.Of("b"), ErrorText.Of("c")]).Message);
    }

    private static IStringLocalizer<Ui> Localizer() =>
        new ServiceCollection().AddLogging().AddLocalization(o => o.ResourcesPath = "Resources").BuildServiceProvider()
            .GetRequiredService<IStringLocalizer<Ui>>();

    private static T InCulture<T>(string culture, Func<T> action)
    {
        var before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
        try
        {
            return action();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = before;
        }
    }

    [Fact]
    public void Error_IsShownInChinese_WithTheFieldsLabel_AndNestedReasonsTranslated()
    {
        var l = Localizer();
        var time = "25:99";
        var error = AppError.Validation($"quiet_hours_start: '{time}' is not a time of day (HH:mm)");
        Assert.Equal("免打扰开始（HH:mm）：“25:99”不是有效的时刻（HH:mm）", InCulture("zh-CN", () => l.Error(error)));
        Assert.Equal("Quiet hours from (HH:mm): '25:99' is not a time of day (HH:mm)", InCulture("en", () => l.Error(error)));

        // A reason that is itself words is translated too; so is a term of a closed vocabulary.
        Assert.False(Phones.TryNormalize("12345", out _, out var why));
        var nested = AppError.Validation($"address: {why}");
        Assert.Equal("地址：“12345”不是有效的手机号码：应为 1[3-9]xxxxxxxxx 或 +<国家代码><号码>", InCulture("zh-CN", () => l.Error(nested)));
        var role = AppError.Forbidden($"the {ErrorText.Term("Marketer")} role cannot send messages");
        Assert.Contains("营销", InCulture("zh-CN", () => l.Error(role)));
    }

    [Fact]
    public void Values_AreShownAsText_NeverReadAsAFormatOrTranslated()
    {
        var l = Localizer();
        foreach (var hostile in new[] { "<script>alert(1)</script>", "{0}", "{1:0.00}{{", "Dashboard" })
        {
            var error = AppError.Conflict($"name: a tenant named '{hostile}' already exists");
            Assert.Contains($"“{hostile}”", InCulture("zh-CN", () => l.Error(error)));
            Assert.Contains($"'{hostile}'", InCulture("en", () => l.Error(error)));
        }
    }
}
