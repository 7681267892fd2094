using Bunit;
using CommsConsole.Components.Pages;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using MudBlazor;

namespace CommsConsole.Tests.Components;

[Collection(AppCollection.Name)]
public sealed class DashboardTests(SharedApp app) : ConsoleComponentContext(app)
{
    [Fact]
    public async Task DailyChart_ColoursEachSeriesByOutcome_FailedRed_PendingGrey()
    {
        await SignInAsync(Roles.Marketer);
        var cut = Render<Home>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindComponent<MudChart<double>>().Instance.ChartSeries));
        var chart = cut.FindComponent<MudChart<double>>().Instance;
        var palette = chart.ChartOptions!.ChartPalette;
        var colourOf = chart.ChartSeries.Select((s, i) => (s.Name, Colour: palette[i])).ToDictionary(x => x.Name, x => x.Colour);
        Assert.Equal(Home.FailedDark, colourOf["SMS failed"]);
        Assert.Equal(Home.FailedLight, colourOf["Email failed"]);
        Assert.Equal(Home.SentDark, colourOf["SMS sent"]);
        Assert.Equal(Home.Pending, colourOf["pending"]);
    }

    [Fact]
    public async Task Cost_IsShownInTheTenantsCurrency()
    {
        var (_, _, tenant) = await SignInAsync(Roles.Marketer);
        await App.SavePolicyAsync(tenant, p => p with { Currency = "USD" });
        var cut = Render<Home>();

        cut.WaitForAssertion(() => Assert.Matches(@"^\d[\d,]*\.\d\d USD$", cut.Find("[data-testid=stat-cost]").TextContent.Trim()));
    }

    [Fact]
    public async Task DailyChart_HasItsNumbersAsATableForScreenReaders()
    {
        await SignInAsync(Roles.Marketer);
        var cut = Render<Home>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindComponent<MudChart<double>>().Instance.ChartSeries));
        var chart = cut.FindComponent<MudChart<double>>().Instance;
        var table = cut.Find("[data-testid=daily-table]");
        Assert.Equal(["Day", .. chart.ChartSeries.Select(s => s.Name)], table.QuerySelectorAll("thead th").Select(th => th.TextContent));
        var rows = table.QuerySelectorAll("tbody tr");
        Assert.Equal(30, rows.Length);
        Assert.Equal(DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd"), rows[^1].QuerySelector("th")!.TextContent);
        for (var series = 0; series < chart.ChartSeries.Count; series++)
        {
            var drawn = chart.ChartSeries[series].Data.Values.Select(v => ((double?)v ?? 0).ToString("N0")).ToList();
            Assert.Equal(drawn, rows.Select(r => r.QuerySelectorAll("td")[series].TextContent));
        }
        // The chart itself is hidden from screen readers, which would otherwise read its drawing.
        var drawing = table.ParentElement!.PreviousElementSibling!;
        Assert.Equal("true", drawing.GetAttribute("aria-hidden"));
        Assert.NotNull(drawing.QuerySelector(".mud-chart"));
    }
}
