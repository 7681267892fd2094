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
}
