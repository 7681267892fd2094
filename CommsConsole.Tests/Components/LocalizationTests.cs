using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CommsConsole.Components.Shared;
using CommsConsole.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;

namespace CommsConsole.Tests.Components;

public sealed partial class LocalizationTests
{
    [GeneratedRegex("""L\["([^"]+)"\]""")]
    private static partial Regex LocalizedString();

    // The account forms' validation messages are English keys that the fields look up when they show them.
    [GeneratedRegex("""ErrorMessage = "([^"]+)""")]
    private static partial Regex ValidationMessage();

    [Fact]
    public void EveryConsoleString_HasAChineseTranslation()
    {
        var root = SourceTree.Root;
        // Razor files, and the C# beside them that words values for the pages (UiText).
        var components = Path.Combine(root, "CommsConsole", "Components");
        var used = Directory.EnumerateFiles(components, "*.razor", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(components, "*.cs", SearchOption.AllDirectories))
            .SelectMany(f => LocalizedString().Matches(File.ReadAllText(f)).Concat(ValidationMessage().Matches(File.ReadAllText(f))).Select(m => m.Groups[1].Value))
            .Concat(Roles.All)
            .ToHashSet();
        var names = XDocument.Load(Path.Combine(root, "CommsConsole", "Resources", "Components", "Shared", "Ui.zh-CN.resx"))
            .Root!.Elements("data").Select(d => d.Attribute("name")!.Value).ToList();
        var translated = names.ToHashSet();
        // Resource names are case-insensitive: "Sent" and "sent" would be one entry and lose a translation.
        Assert.Empty(names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key));

        Assert.True(used.Count > 100, $"only {used.Count} strings found; is the scan looking in the right place?");
        Assert.Empty(used.Except(translated).Order());
    }

    [Fact]
    public void Localizer_AnswersInChinese_ForZhCn_AndInEnglishOtherwise()
    {
        var services = new ServiceCollection().AddLogging().AddLocalization(o => o.ResourcesPath = "Resources").BuildServiceProvider();
        var localizer = services.GetRequiredService<IStringLocalizer<Ui>>();
        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("zh-CN");
            Assert.Equal("仪表盘", localizer["Dashboard"]);
            Assert.Equal("将立即发送 3 条消息，预计费用 0.15 CNY。", string.Format(localizer["{0} messages will be sent {1}. Estimated cost {2}."], 3, localizer["now"], "0.15 CNY"));
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("en");
            Assert.Equal("Dashboard", localizer["Dashboard"]);
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }
}
