using Microsoft.Playwright;

namespace CommsConsole.E2E;

/// <summary>Steps every browser test shares.</summary>
public static class Ui
{
    /// <summary>
    /// Does again what did not take, as a user would (a choice lost while the page re-rendered, a tap before the layout knew
    /// the screen's width, focus a closing dialog took back): <paramref name="act"/>, then <paramref name="took"/> given
    /// <paramref name="timeout"/>; at most <paramref name="tries"/> times, the last one's failure thrown.
    /// </summary>
    public static async Task AgainUntilItTakesAsync(int tries, float timeout, Func<Task> act, Func<float, Task> took)
    {
        for (var attempt = 1; ; attempt++)
        {
            await act();
            try
            {
                await took(timeout);
                return;
            }
            catch (Exception e) when (attempt < tries && e is PlaywrightException or TimeoutException)
            {
            }
        }
    }

    public static async Task SignInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("input[name='Input.Email']", email);
        await page.FillAsync("input[name='Input.Password']", password);
        // By test id rather than by name: the button reads "Log in" or "登录" depending on the language.
        await page.ClickAsync("[data-testid='sign-in']");
    }

    /// <summary>Marketing email needs the sender's postal address for its footer: an Admin sets it on the compliance page.</summary>
    public static async Task SetPostalAddressAsync(IPage page, string address)
    {
        await page.GotoAsync("/settings/compliance");
        await Field(page, "policy-postal").FillAsync(address);
        await page.ClickAsync("[data-testid='policy-save']");
        await Assertions.Expect(page.GetByText("Saved.")).ToBeVisibleAsync();
    }

    /// <summary>The text input or textarea of a field marked with data-testid, wherever the component put the attribute.</summary>
    public static ILocator Field(IPage page, string testId) =>
        page.Locator(FieldSelector(testId)).First;

    /// <summary>The same, inside a part of the page (a table row, a dialog).</summary>
    public static ILocator Field(ILocator scope, string testId) => scope.Locator(FieldSelector(testId)).First;

    private static string FieldSelector(string testId) =>
        $"input[data-testid='{testId}'], textarea[data-testid='{testId}'], [data-testid='{testId}'] input, [data-testid='{testId}'] textarea";
}
