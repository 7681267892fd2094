using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

/// <summary>
/// Every page in both languages at desktop and phone size: screenshots in the test output, no English left in the
/// Chinese pages, nothing that makes a phone scroll sideways, column headers that do not wrap one character per line,
/// and a navigation that folds away on a phone.
/// </summary>
[Collection(TourCollection.Name)]
public sealed class PageTourTests(TourFixture fixture)
{
    [Fact]
    public async Task EveryPage_IsPhotographed_InBothLanguages_AtDesktopAndPhoneSize()
    {
        var tour = await fixture.TourAsync();
        var expected = (from page in ConsolePages.All
                        from culture in PageTour.Languages
                        from size in new[] { PageTour.Desktop, PageTour.Phone }
                        select Path.Combine(PageTour.ScreenshotDirectory, $"{page.Name}.{culture}.{size.Width}x{size.Height}.png")).ToList();
        Assert.Empty(expected.Except(tour.Screenshots));
        Assert.All(tour.Screenshots, file => Assert.True(new FileInfo(file).Length > 1000, $"{file} is empty"));
    }

    /// <summary>
    /// Each page of the tour is left by a full navigation, which ends its circuit while it may still be drawing (the
    /// dashboard's chart): the app must log no error for any of it.
    /// </summary>
    [Fact]
    public async Task OpeningAndLeavingEveryPage_LogsNoError()
    {
        await fixture.TourAsync();
        var log = fixture.App.ReadLog().Split('\n');
        var errors = log.Select((line, i) => (line, i)).Where(l => l.line.StartsWith("fail:", StringComparison.Ordinal))
            .Select(l => string.Join(" ", log.Skip(l.i).Take(3).Select(x => x.Trim()))).ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} errors in the app's log, the first:\n" + string.Join("\n", errors.Take(3)));
    }

    [Fact]
    public async Task ChinesePages_ShowNoEnglishWords()
    {
        var tour = await fixture.TourAsync();
        Assert.True(tour.English.Count == 0, "English words on the zh-CN pages:\n" +
            string.Join("\n", tour.English.Select(p => $"{p.Key}: {string.Join(", ", p.Value)}")));
    }

    [Fact]
    public async Task AtPhoneWidth_NoPageScrollsSideways_WideGridsScrollInsideTheirBox_AndEveryControlIsInReach()
    {
        var tour = await fixture.TourAsync();
        Assert.True(tour.WideAtPhone.Count == 0, "wider than the 390 px screen:\n" + string.Join("\n", tour.WideAtPhone));
        Assert.True(tour.UnscrollableGrids.Count == 0, "grids that do not scroll inside their box:\n" + string.Join("\n", tour.UnscrollableGrids));
        Assert.True(tour.OutOfReach.Count == 0, "text and controls past the edges of the screen:\n" + string.Join("\n", tour.OutOfReach));
    }

    [Fact]
    public async Task ChineseColumnHeaders_At1440Pixels_TakeAtMostTwoLines_AndGridsFit()
    {
        var tour = await fixture.TourAsync();
        Assert.True(tour.TallHeaders.Count == 0, "column headers wrapped over more than two lines:\n" + string.Join("\n", tour.TallHeaders));
        Assert.True(tour.WideGrids.Count == 0, "grids that scroll sideways at 1,440 px:\n" + string.Join("\n", tour.WideGrids));
    }

    [Fact]
    public async Task AtPhoneWidth_TheNavigationIsFolded_AndTheMenuButtonOpensIt()
    {
        await using var context = await fixture.Browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.App.BaseUrl, ViewportSize = PageTour.Phone,
        });
        var page = await context.NewPageAsync();
        await PageTour.SignInAsync(page);
        await page.GotoAsync("/");
        await Expect(page.GetByTestId("stat-total")).ToBeVisibleAsync();
        var drawer = page.Locator(".mud-drawer").First;
        await page.WaitForFunctionAsync("() => document.querySelector('.mud-drawer').getBoundingClientRect().right <= 0");

        // A user taps again when the menu did not open: on a loaded machine the layout's first report of the screen's width
        // can arrive after the first tap and fold the drawer back. Three taps that never open it still fail.
        await Ui.AgainUntilItTakesAsync(3, 10_000, () => page.GetByTestId("nav-toggle").ClickAsync(), timeout =>
            page.WaitForFunctionAsync("() => { const r = document.querySelector('.mud-drawer').getBoundingClientRect(); return r.left >= 0 && r.right > 0; }",
                null, new() { Timeout = timeout }));
        await drawer.Locator("a[href='logs']").ClickAsync();
        await page.WaitForURLAsync("**/logs");
        await Expect(page.GetByTestId("log-recipient").First).ToBeVisibleAsync();
        // Going somewhere folds it away again, rather than leaving it over the page just chosen.
        await page.WaitForFunctionAsync("() => document.querySelector('.mud-drawer').getBoundingClientRect().right <= 0");
    }
}
