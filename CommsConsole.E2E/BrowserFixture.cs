using Microsoft.Playwright;

namespace CommsConsole.E2E;

/// <summary>One app process and one Debian Chromium for a collection of browser tests.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public ConsoleApp App { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync() => await LaunchAsync(await ConsoleApp.StartAsync("console"));

    /// <summary>Starts Chromium against an app that is already running; the fixture owns the app from then on.</summary>
    public async Task LaunchAsync(ConsoleApp app)
    {
        App = app;
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>
    /// Runs a test in a fresh browser context; on failure leaves a full-page screenshot under
    /// screenshots/ in the test output and rethrows.
    /// </summary>
    public async Task RunPageAsync(string testName, Func<IPage, Task> test)
    {
        await using var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = App.BaseUrl, Locale = "en-US" });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        try
        {
            await test(page);
        }
        catch
        {
            var dir = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(dir);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, testName + ".png"), FullPage = true });
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (App is not null) await App.DisposeAsync();
    }
}
