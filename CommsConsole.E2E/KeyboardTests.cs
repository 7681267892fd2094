using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

/// <summary>
/// A day's work without a mouse: keys, typing, and focus moved to a control (as Tab or a screen reader's jump would).
/// Nothing here clicks.
/// </summary>
[Collection(AccessibilityCollection.Name)]
public sealed class KeyboardTests(AccessibilityFixture fixture)
{
    [Fact]
    public Task Marketer_SendsAnSms_OpensTheBatch_AndRetriesAFailure_WithTheKeyboardOnly() => fixture.Browser.RunPageAsync(nameof(Marketer_SendsAnSms_OpensTheBatch_AndRetriesAFailure_WithTheKeyboardOnly), async page =>
    {
        await AccessibilityFixture.SignInByKeyboardAsync(page);

        // Compose, reached from the navigation menu.
        await PressOnAsync(page.GetByRole(AriaRole.Link, new() { Name = "Compose", Exact = true }), "Enter");
        await page.WaitForURLAsync("**/compose");
        await FocusAsync(Ui.Field(page, "content"));
        await page.Keyboard.TypeAsync("Your parcel is on its way.");
        // Recipients pasted: one number the simulated provider refuses.
        var refused = ConsoleApp.RejectedPrefix + "0401";
        await FocusAsync(Ui.Field(page, "recipients"));
        await page.Keyboard.InsertTextAsync($"13800000401\n13800000402\n{refused}\n");
        await Expect(page.GetByTestId("valid-count")).ToHaveTextAsync("3");
        await Expect(page.GetByTestId("send")).ToBeEnabledAsync();
        await PressOnAsync(page.GetByTestId("send"), "Enter");
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByText("3 messages will be sent")).ToBeVisibleAsync();
        await DialogTakesTheFocusAsync(page);
        await PressOnAsync(dialog.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }), "Enter");
        await page.WaitForURLAsync("**/batches/*");
        // As a user waits for the new page before going on; the closing dialog hands the focus back meanwhile.
        await Expect(page.GetByTestId("batch-title")).ToBeVisibleAsync();
        var batchUrl = page.Url;

        // The batch, opened again from the batch list.
        await PressOnAsync(page.GetByRole(AriaRole.Link, new() { Name = "Batches", Exact = true }), "Enter");
        await page.WaitForURLAsync("**/batches");
        await PressOnAsync(page.GetByTestId("batch-name").First, "Enter");
        await page.WaitForURLAsync(batchUrl);
        await Expect(page.GetByTestId("batch-progress")).ToHaveTextAsync("100%", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("count-failed")).ToHaveTextAsync("1");

        // Its messages in the log; the failed one opened from its row.
        await PressOnAsync(page.GetByRole(AriaRole.Link, new() { Name = "Open in logs" }), "Enter");
        await page.WaitForURLAsync("**/logs?batch=*");
        await Expect(page.GetByTestId("log-recipient")).ToHaveCountAsync(3);
        var failedRow = page.Locator("tr", new() { Has = page.Locator("[data-status=failed]") });
        await PressOnAsync(failedRow.GetByTestId("log-recipient"), "Enter");
        await Expect(page.GetByTestId("detail-error")).ToContainTextAsync("rejected");
        // The drawer took the focus; Tab goes on to its retry button.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Message log_", Exact = false })).ToBeFocusedAsync();
        var retry = page.GetByTestId("retry-message");
        for (var i = 0; i < 10 && !await retry.EvaluateAsync<bool>("b => b === document.activeElement"); i++)
            await page.Keyboard.PressAsync("Tab");
        await Expect(retry).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByText("it will most likely fail the same way")).ToBeVisibleAsync();
        await DialogTakesTheFocusAsync(page);
        await PressOnAsync(page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Retry anyway" }), "Enter");
        await Expect(page.GetByText("queued to be sent again").First).ToBeVisibleAsync();
        // Read out as well as shown.
        await Expect(page.Locator("[role=status][aria-live=polite]").GetByText("The message is queued to be sent again.")).ToBeVisibleAsync();

        // Escape closes the drawer.
        await FocusAsync(page.GetByTestId("close-drawer"));
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByTestId("message-drawer")).ToHaveClassAsync(new Regex("mud-drawer--closed"));
    });

    /// <summary>
    /// Waits for an opened dialog to take the focus, as a user waits for it before pressing Tab. The dialog moves the
    /// focus into itself once its first render has reached the browser; moving it earlier would be undone by that.
    /// </summary>
    private static Task DialogTakesTheFocusAsync(IPage page) =>
        page.WaitForFunctionAsync("() => document.activeElement?.closest('[role=dialog]') != null");

    /// <summary>Moves the focus to a control, as Tab would, and checks that it can hold it.</summary>
    private static Task FocusAsync(ILocator control) =>
        // Focus moved by the page a moment later (a dialog closing hands it back to where it was) is taken again, as a
        // user presses Tab again; a control that can never hold the focus still fails on the last try.
        Ui.AgainUntilItTakesAsync(3, 3_000, () => control.FocusAsync(), timeout => Expect(control).ToBeFocusedAsync(new() { Timeout = timeout }));

    private static async Task PressOnAsync(ILocator control, string key)
    {
        await FocusAsync(control);
        await control.Page.Keyboard.PressAsync(key);
    }
}
