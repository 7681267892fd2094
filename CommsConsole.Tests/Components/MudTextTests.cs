using System.Globalization;
using System.Resources;
using System.Xml.Linq;
using Bunit;
using CommsConsole.Components.Pages.Logs;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using MudBlazor;

namespace CommsConsole.Tests.Components;

/// <summary>MudBlazor's own strings (the grid's pager, close buttons, pickers) speak the console's language.</summary>
[Collection(AppCollection.Name)]
public sealed class MudTextTests(SharedApp app) : ConsoleComponentContext(app)
{
    [Fact]
    public async Task LogGridPager_InChinese_SaysTheRangeAndNamesItsButtonsInChinese()
    {
        var (api, _, _) = await SignInAsync(Roles.Marketer);
        await api.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "你好", recipients = new[] { "13800138011", "13800138012" } });
        var before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("zh-CN");
        try
        {
            var cut = Render<Logs>();
            cut.WaitForAssertion(() =>
            {
                var captions = cut.FindAll(".mud-table-pagination-caption").Select(c => c.TextContent.Trim()).ToList();
                Assert.Equal(["每页行数：", "第 1-2 条，共 2 条"], captions);
                Assert.Equal("第一页", cut.Find(".mud-table-pagination-actions button").GetAttribute("aria-label"));
            }, TimeSpan.FromSeconds(5));
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = before;
        }
    }

    [Fact]
    public async Task ReconnectDialog_FollowsTheLanguageOfThePage()
    {
        using var client = App.Anonymous();
        using var chinese = new HttpRequestMessage(HttpMethod.Get, "/Account/Login") { Headers = { { "Accept-Language", "zh-CN" } } };
        var page = System.Net.WebUtility.HtmlDecode(await (await client.SendAsync(chinese)).Content.ReadAsStringAsync());
        Assert.Contains("正在重新连接服务器…", page);
        Assert.DoesNotContain("Rejoining the server", page);
        using var english = new HttpRequestMessage(HttpMethod.Get, "/Account/Login") { Headers = { { "Accept-Language", "en" } } };
        Assert.Contains("Rejoining the server…", System.Net.WebUtility.HtmlDecode(await (await client.SendAsync(english)).Content.ReadAsStringAsync()));
    }

    [Fact]
    public void EveryTranslatedKey_IsOneMudBlazorHas()
    {
        // A misspelt key would never be asked for, and the English text would stay.
        var assembly = typeof(MudLocalizer).Assembly;
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith("LanguageResource.resources", StringComparison.Ordinal));
        using var reader = new ResourceReader(assembly.GetManifestResourceStream(resource)!);
        var mudKeys = reader.Cast<System.Collections.DictionaryEntry>().Select(e => (string)e.Key).ToHashSet();
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "CommsConsole.sln"))) root = Path.GetDirectoryName(root)!;
        var ours = XDocument.Load(Path.Combine(root, "CommsConsole", "Resources", "Components", "Shared", "MudText.zh-CN.resx"))
            .Root!.Elements("data").Select(d => (string)d.Attribute("name")!).ToList();
        Assert.NotEmpty(ours);
        Assert.All(ours, k => Assert.Contains(k, mudKeys));
    }
}
