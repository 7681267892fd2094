using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

/// <summary>
/// axe-core's WCAG 2.0 and 2.1 A and AA rules on every page of <see cref="ConsolePages"/>, in both languages, and in the
/// states a user reaches: form errors shown, a dialog open, the grid filtered, a message's drawer open, a snackbar up.
/// </summary>
[Collection(AccessibilityCollection.Name)]
public sealed class AccessibilityTests(AccessibilityFixture fixture, ITestOutputHelper output)
{
    private static readonly List<string> Tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

    [Theory]
    [InlineData("en")]
    [InlineData("zh-CN")]
    public async Task EveryPageAndState_HasNoWcagViolation(string culture)
    {
        using var api = await ConsoleApi.SignInAsync(fixture.Browser.App);
        var batch = await ConsoleApi.SendBatchAsync(api, new
        {
            channel = "sms", purpose = "transactional", content = "Accessibility check",
            recipients = new[] { "13700000201", "13700000202", ConsoleApp.RejectedPrefix + "0201" },
        });
        var violations = new List<string>();

        await fixture.Browser.RunPageAsync($"{nameof(EveryPageAndState_HasNoWcagViolation)}-{culture}", async page =>
        {
            async Task CheckAsync(string state)
            {
                await SettleAsync(page);
                var result = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = Tags } });
                foreach (var v in result.Violations)
                {
                    var line = $"{state} [{culture}] {v.Id} ({v.Impact}): {v.Help} at {string.Join(" | ", v.Nodes.Select(n => $"{n.Target} {Shorten(n.Html)}"))}";
                    violations.Add(line);
                    output.WriteLine(line);
                }
            }

            await page.GotoAsync($"/culture/set?culture={Uri.EscapeDataString(culture)}&redirectUri=%2FAccount%2FLogin");
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", culture);

            foreach (var p in ConsolePages.All.Where(p => !p.SignedIn))
            {
                await page.GotoAsync(p.Path);
                await CheckAsync(p.Name);
            }

            // The sign-in form sent empty shows its errors.
            await page.GotoAsync("/Account/Login");
            await page.Locator("input[name='Input.Email']").FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.Locator("main [role=alert]:not(:empty), form [role=alert]:not(:empty)").First).ToBeVisibleAsync();
            await CheckAsync("sign-in with errors");

            await AccessibilityFixture.SignInByKeyboardAsync(page);
            foreach (var p in ConsolePages.All.Where(p => p.SignedIn && !ConsolePages.Account.Contains(p)))
            {
                await OpenAsync(page, p.Path.Replace("{batch}", batch.ToString()));
                await CheckAsync(p.Name);
            }

            // The language menu open.
            await OpenAsync(page, "/");
            // The chart's numbers as a table for screen readers: one row a day.
            await Expect(page.Locator("[data-testid=daily-table] tbody tr")).ToHaveCountAsync(30);
            await page.GetByTestId("language-menu").Locator("button").First.ClickAsync();
            await Expect(page.GetByText("简体中文")).ToBeVisibleAsync();
            await CheckAsync("language menu");
            await page.Keyboard.PressAsync("Escape");

            // Compose with a broken template and a wrong number, then the confirmation of a correct send.
            await OpenAsync(page, "/compose");
            await Ui.Field(page, "content").FillAsync("Hi {% if x %}");
            await Ui.Field(page, "recipients").FillAsync("13800000301\nnot-a-number");
            await Expect(page.GetByTestId("invalid-list")).ToBeVisibleAsync();
            await Expect(Ui.Field(page, "content")).ToHaveAttributeAsync("aria-invalid", "true");
            await CheckAsync("compose with errors");
            await Ui.Field(page, "content").FillAsync("Hello");
            await Ui.Field(page, "recipients").FillAsync("13800000301");
            await Expect(page.GetByTestId("send")).ToBeEnabledAsync();
            await page.GetByTestId("send").ClickAsync();
            await Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
            await CheckAsync("compose confirmation");
            await page.Keyboard.PressAsync("Escape");
            await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);

            // The template editor with a syntax error.
            await OpenAsync(page, "/templates");
            await page.GetByTestId("new-template").ClickAsync();
            await Ui.Field(page, "template-body").FillAsync("Hi {% if x %}");
            await Expect(Ui.Field(page, "template-body")).ToHaveAttributeAsync("aria-invalid", "true");
            await CheckAsync("template editor with errors");
            await page.Keyboard.PressAsync("Escape");

            // The users page with an invitation that cannot be sent.
            await OpenAsync(page, "/users");
            await Ui.Field(page, "new-user-email").FillAsync("not an address");
            await page.GetByTestId("create-user").ClickAsync();
            await CheckAsync("users with errors");

            // An opt-out added, and the reason asked for its removal.
            await OpenAsync(page, "/opt-outs");
            var address = culture == "en" ? "13900000501" : "13900000502";
            await Ui.Field(page, "optout-address").FillAsync(address);
            await page.GetByTestId("optout-add").ClickAsync();
            var row = page.Locator("tr", new() { Has = page.GetByTestId("optout-row-address").GetByText(address) });
            await row.GetByRole(AriaRole.Button).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
            await CheckAsync("opt-out removal");
            await page.Keyboard.PressAsync("Escape");

            // The log grid: columns menu, filtered to failures, a failed message's drawer, the retry warning, the snackbar.
            await OpenAsync(page, "/logs");
            await Expect(page.GetByTestId("log-recipient").First).ToBeVisibleAsync();
            await page.GetByTestId("choose-columns").Locator("button").First.ClickAsync();
            await Expect(page.GetByTestId("column-retries")).ToBeVisibleAsync();
            await CheckAsync("logs columns menu");
            await page.Keyboard.PressAsync("Escape");
            await page.Locator(".mud-input-control", new() { Has = page.GetByTestId("filter-status") }).ClickAsync();
            await Expect(page.Locator(".mud-popover-open .mud-list-item").First).ToBeVisibleAsync();
            await CheckAsync("logs status filter open");
            await page.Keyboard.PressAsync("Escape");
            await OpenAsync(page, $"/logs?status=failed&batch={batch}");
            await Expect(page.GetByTestId("log-recipient")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
            await CheckAsync("logs filtered");
            await page.GetByTestId("log-recipient").ClickAsync();
            await Expect(page.GetByTestId("detail-error")).ToBeVisibleAsync();
            await CheckAsync("log drawer");
            await page.GetByTestId("retry-message").ClickAsync();
            await Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
            await CheckAsync("retry warning");
            await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button).Last.ClickAsync();
            await Expect(page.Locator(".mud-snackbar")).ToBeVisibleAsync();
            await CheckAsync("retry snackbar");

            // The signed-in account pages last: the authenticator page's first visit makes a new key, which changes the
            // account's security stamp and so ends its sessions; then the test signs in again.
            foreach (var p in ConsolePages.Account.Where(p => p.SignedIn))
            {
                await page.GotoAsync(p.Path);
                if (page.Url.Contains("/Account/Login", StringComparison.OrdinalIgnoreCase))
                {
                    await AccessibilityFixture.SignInByKeyboardAsync(page);
                    await page.GotoAsync(p.Path);
                }
                Assert.EndsWith(p.Path, new Uri(page.Url).AbsolutePath);
                await CheckAsync(p.Name);
            }
        });

        Assert.True(violations.Count == 0, $"{violations.Count} accessibility violations:\n" + string.Join("\n", violations));
    }

    /// <summary>Opens a console page and waits for its live connection: the signed-in user's badge is drawn over it.</summary>
    private static async Task OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await Expect(page.GetByTestId("signed-in-user")).ToBeVisibleAsync(new() { Timeout = 15_000 });
    }

    private static string Shorten(string html) => html.Length <= 160 ? html : html[..160] + "…";

    /// <summary>Waits for the page's data and for its transitions to end, so axe sees the page as a user does.</summary>
    private static async Task SettleAsync(IPage page)
    {
        try
        {
            await page.WaitForLoadStateAsync(LoadState.Load, new() { Timeout = 10_000 });
        }
        catch (TimeoutException)
        {
            // Once, after the empty sign-in form was sent with Enter, the load event was still awaited after 15 s with the
            // page drawn and its errors shown; what axe needs is the state waited for below.
        }
        await Expect(page.Locator(".mud-progress-circular.mud-progress-indeterminate, .mud-table-loading")).ToHaveCountAsync(0);
        // A grid's first load may not have begun at its first render: wait for its rows or its "nothing here" row.
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.mud-table tbody')].every(b => b.querySelector('tr'))");
        await page.WaitForFunctionAsync("() => document.getAnimations().every(a => a.playState !== 'running')");
    }
}
