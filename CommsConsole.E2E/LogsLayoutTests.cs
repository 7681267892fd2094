using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

/// <summary>The log grid on a 1,280-pixel screen: no sideways scrolling with long texts, and a choice of columns.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class LogsLayoutTests(BrowserFixture fixture)
{
    [Fact]
    public async Task LogGrid_At1280Pixels_FitsWithLongTexts_AndColumnsCanBeChosen()
    {
        using var api = await ConsoleApi.SignInAsync(fixture.App);
        var longText = string.Concat(Enumerable.Repeat("A long message without many breaks_", 25));
        (await api.PostAsJsonAsync("/communication/bulk", new
        {
            // No refused recipient: the console flow test counts the shared app's failures.
            channel = "sms", purpose = "transactional", content = longText, recipients = new[] { "13700000101", "13700000102" },
        })).EnsureSuccessStatusCode();

        await using var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.App.BaseUrl, ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        });
        var page = await context.NewPageAsync();
        await Ui.SignInAsync(page, ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        await Expect(page.GetByTestId("signed-in-user")).ToBeVisibleAsync();
        await page.GotoAsync("/logs");
        await Expect(page.GetByTestId("log-recipient").First).ToBeVisibleAsync();

        var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 1280, $"the page is {width} px wide at a 1,280 px window");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "screenshots-pages", "logs-1280.png") });
        Assert.True(await GridFitsAsync(page), "the grid scrolls sideways at 1,280 px: " + await page.EvaluateAsync<string>(
            "() => { const c = document.querySelector('[data-testid=log-grid] .mud-table-container'); return c.scrollWidth + ' > ' + c.clientWidth + ': ' + [...document.querySelectorAll('[data-testid=log-grid] th')].map(t => t.textContent + '=' + t.offsetWidth).join(', '); }"));

        var header = page.Locator("[data-testid=log-grid] th");
        await Expect(header.Filter(new() { HasText = "Retries" })).ToHaveCountAsync(0);
        await page.GetByTestId("choose-columns").ClickAsync();
        await page.GetByTestId("column-retries").ClickAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(header.Filter(new() { HasText = "Retries" })).ToHaveCountAsync(1);
        width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 1280, $"with retries shown the page is {width} px wide");
    }

    private static Task<bool> GridFitsAsync(IPage page) => page.EvaluateAsync<bool>(
        "() => { const c = document.querySelector('[data-testid=log-grid] .mud-table-container'); return c.scrollWidth <= c.clientWidth + 1; }");
}
