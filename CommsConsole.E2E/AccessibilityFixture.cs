using Microsoft.Playwright;

namespace CommsConsole.E2E;

/// <summary>
/// An app and a browser of their own for the accessibility tests: they send and retry messages, which the console flow
/// tests would otherwise count among the shared app's failures, and they run in parallel with the other collections.
/// </summary>
public sealed class AccessibilityFixture : IAsyncLifetime
{
    public BrowserFixture Browser { get; } = new();

    public async Task InitializeAsync() => await Browser.LaunchAsync(await ConsoleApp.StartAsync("accessibility"));

    public Task DisposeAsync() => Browser.DisposeAsync();

    /// <summary>Signs in from the sign-in page with the keyboard only, so it works whatever the page's language.</summary>
    public static async Task SignInByKeyboardAsync(IPage page)
    {
        await page.GotoAsync("/Account/Login");
        await page.Locator("input[name='Input.Email']").FocusAsync();
        await page.Keyboard.TypeAsync(ConsoleApp.AdminEmail);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(ConsoleApp.AdminPassword);
        await page.Keyboard.PressAsync("Enter");
        // The first sign-in of a fresh app also starts its first circuit, which can take a while on a busy machine.
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToBeVisibleAsync(new() { Timeout = 15_000 });
    }
}
