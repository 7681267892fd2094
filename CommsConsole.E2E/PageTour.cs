using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

/// <summary>
/// Every page of <see cref="ConsolePages.All"/>, and the dialogs and drawers people open on them, in English and Chinese
/// at 1440×900 and 390×844: a screenshot of each under screenshots-pages/, and what the tests check about them.
/// One browser context (one sign-in) per language and size.
/// </summary>
public static partial class PageTour
{
    public static readonly string[] Languages = ["en", "zh-CN"];
    public static readonly ViewportSize Desktop = new() { Width = 1440, Height = 900 };
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "screenshots-pages");

    /// <summary>
    /// Words that stay as they are in Chinese: product, provider and protocol names, formats and units.
    /// </summary>
    public static readonly HashSet<string> AllowedWords = new(StringComparer.Ordinal)
    {
        "CommsConsole", "SUBMAIL", "SUBHOOK", "SMTP", "SMS", "API", "REST", "CSV", "JSON", "OpenAPI", "Liquid", "GSM", "UCS",
        "UTC", "ID", "URL", "MB", "HH", "mm", "GET", "POST", "Bearer", "STARTTLS", "SSL", "TLS", "APPID", "APPKEY",
        // ISO 4217 codes after amounts; the authenticator apps and their stores, named as their makers name them.
        "CNY", "USD", "EUR", "Microsoft", "Google", "Authenticator", "Android", "iOS",
        // Webhooks keep their name in Chinese consoles too; "Standard Webhooks" is the name of the signing specification.
        "HTTP", "Webhook", "Webhooks", "Standard",
        // The phone number pattern in a refusal (1[3-9]xxxxxxxxx).
        "xxxxxxxxx",
    };

    /// <summary>What shows that a page has its data (grids load after the first render); the others are ready when loaded.</summary>
    private static readonly Dictionary<string, string> Ready = new()
    {
        ["dashboard"] = "[data-testid=stat-total]",
        ["compose"] = "[data-testid=send]",
        ["campaigns"] = "[data-testid=batch-name]",
        ["campaign"] = "[data-testid=count-failed]",
        ["templates"] = "[data-testid=template-code]",
        ["logs"] = "[data-testid=log-recipient]",
        ["opt-outs"] = "[data-testid=optout-row-address]",
        ["segments"] = "[data-testid=segment-table]",
        ["compliance"] = "[data-testid=policy-save]",
        ["providers"] = "[data-testid=save-provider], [data-testid=provider-kind]",
        ["developers"] = "[data-testid=get-token]",
        ["users"] = "[data-testid=lock-user]",
        ["tenants"] = "[data-testid=create-tenant]",
        ["not-found"] = "[data-testid=not-found]",
    };

    /// <summary>What people open on a page: a name for the screenshot, how to open it, how to close it again.</summary>
    private sealed record Opened(string Name, Func<IPage, Task> Open, Func<IPage, Task>? Close = null);

    private static Task CancelDialogAsync(IPage page) => page.Locator(".mud-dialog .mud-dialog-actions button").First.ClickAsync();

    private static readonly Dictionary<string, Opened[]> Openings = new()
    {
        ["compose"] =
        [
            new("compose-filled", async page =>
            {
                await Ui.Field(page, "content").FillAsync("{{ name }}，春季促销：本周全部套餐八折。");
                await Ui.Field(page, "recipients").FillAsync("13800000011\n13800000012\n12345");
                // The switch's state comes back from the server: click it, then wait for it rather than asking at once.
                var schedule = page.Locator("input[data-testid=schedule], [data-testid=schedule] input").First;
                await schedule.ClickAsync();
                try
                {
                    await Expect(page.GetByTestId("schedule-zone")).ToBeVisibleAsync(new() { Timeout = 10_000 });
                }
                catch (Exception e) when (e is PlaywrightException or TimeoutException)
                {
                    // A click that landed while the page re-rendered after the fills is lost on a busy machine: once more.
                    if (!await schedule.IsCheckedAsync()) await schedule.ClickAsync();
                }
                await Expect(schedule).ToBeCheckedAsync();
                await Expect(page.GetByTestId("invalid-list")).ToBeVisibleAsync();
                await Expect(page.GetByTestId("estimate")).ToBeVisibleAsync();
                await Expect(page.GetByTestId("schedule-zone")).ToBeVisibleAsync();
            }),
        ],
        ["campaign"] =
        [
            new("campaign-resend", async page =>
            {
                await page.GetByTestId("resend-failed").ClickAsync();
                await Expect(page.Locator(".mud-dialog")).ToBeVisibleAsync();
            }, CancelDialogAsync),
        ],
        ["templates"] =
        [
            new("template-editor", async page =>
            {
                await page.Locator("tr", new() { Has = page.GetByTestId("template-code").GetByText("VERIFY_CODE", new() { Exact = true }) })
                    .GetByTestId("edit-template").ClickAsync();
                await Expect(page.GetByTestId("template-measure")).ToBeVisibleAsync();
            }, CancelDialogAsync),
        ],
        ["logs"] =
        [
            new("logs-columns", async page =>
            {
                await page.GetByTestId("choose-columns").ClickAsync();
                await Expect(page.GetByTestId("column-retries")).ToBeVisibleAsync();
            }, page => page.GetByTestId("choose-columns").Locator("button").First.ClickAsync(new() { Force = true })),
            new("logs-message", async page =>
            {
                await page.GotoAsync("/logs?status=failed");
                await page.GetByTestId("log-recipient").First.ClickAsync();
                await Expect(page.GetByTestId("detail-error")).ToBeVisibleAsync();
            }),
        ],
        ["opt-outs"] =
        [
            new("opt-out-remove", async page =>
            {
                await page.GetByTestId("optout-remove").First.ClickAsync();
                await Expect(page.GetByTestId("remove-reason")).ToBeVisibleAsync();
            }, CancelDialogAsync),
        ],
        ["providers"] =
        [
            new("providers-submail", page => ChooseProviderAsync(page, "sms", "SUBMAIL", "submail-app-id")),
            new("providers-smtp", async page =>
            {
                await page.Locator(".mud-tab").Nth(1).ClickAsync();
                await ChooseProviderAsync(page, "email", "SMTP", "smtp-host");
            }),
        ],
        ["users"] =
        [
            new("user-lock", async page =>
            {
                await page.GetByTestId("lock-user").First.ClickAsync();
                await Expect(page.Locator(".mud-dialog")).ToBeVisibleAsync();
            }, CancelDialogAsync),
        ],
    };

    /// <summary>Shows the settings of a provider kind in the primary provider's form of a channel (without saving them).</summary>
    private static async Task ChooseProviderAsync(IPage page, string channel, string kind, string field)
    {
        var select = page.Locator($"[data-testid=provider-{channel}-primary] [data-testid=provider-kind] .mud-input-control");
        await Expect(select).ToBeVisibleAsync();
        // A choice made while the page re-renders (a tab just switched, the circuit still loading) can be lost; choose again once.
        await Ui.AgainUntilItTakesAsync(2, 10_000, async () =>
        {
            await select.ClickAsync();
            await page.GetByRole(AriaRole.Option, new() { Name = kind, Exact = true }).ClickAsync();
        }, timeout => Expect(Ui.Field(page, field)).ToBeVisibleAsync(new() { Timeout = timeout }));
    }

    /// <summary>Signs in as the first SystemAdmin in whatever language the page is shown.</summary>
    public static async Task SignInAsync(IPage page)
    {
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("input[name='Input.Email']", ConsoleApp.AdminEmail);
        await page.FillAsync("input[name='Input.Password']", ConsoleApp.AdminPassword);
        await page.PressAsync("input[name='Input.Password']", "Enter");
        await Expect(page.GetByTestId("signed-in-user")).ToBeVisibleAsync();
    }

    /// <summary>Chooses the language as the console's language menu does: the culture cookie, then back to the page.</summary>
    public static Task ChooseLanguageAsync(IPage page, string culture, string path) =>
        page.GotoAsync($"/culture/set?culture={Uri.EscapeDataString(culture)}&redirectUri={Uri.EscapeDataString(path)}");

    public static async Task<TourFindings> RunAsync(TourFixture fixture)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        foreach (var culture in Languages)
        {
            // Last run's pictures go first, so that a page the tour no longer reaches shows as missing.
            foreach (var size in new[] { Desktop, Phone })
            {
                foreach (var old in Directory.EnumerateFiles(ScreenshotDirectory, $"*.{culture}.{size.Width}x{size.Height}.png")) File.Delete(old);
            }
        }
        var findings = new Findings(fixture.Data, fixture.Names);
        foreach (var culture in Languages)
        {
            foreach (var size in new[] { Desktop, Phone })
            {
                await using var context = await fixture.Browser.Browser.NewContextAsync(new BrowserNewContextOptions
                {
                    BaseURL = fixture.App.BaseUrl, ViewportSize = size, Locale = culture == "en" ? "en-US" : culture,
                });
                var page = await context.NewPageAsync();
                page.SetDefaultTimeout(20_000);
                await ChooseLanguageAsync(page, culture, "/Account/Login");
                // Signed-out pages first, then one sign-in for the rest.
                var signedIn = false;
                foreach (var console in ConsolePages.All.OrderBy(p => p.SignedIn))
                {
                    if (console.SignedIn && !signedIn)
                    {
                        await SignInAsync(page);
                        signedIn = true;
                    }
                    await VisitAsync(page, console, culture, size, fixture.BatchId, findings);
                }
            }
        }
        return findings.ToResult();
    }

    private static async Task VisitAsync(IPage page, ConsolePage console, string culture, ViewportSize size, long batch, Findings findings)
    {
        try
        {
            await ShowAsync(page, console, culture, size, batch, findings);
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            var file = Path.Combine(AppContext.BaseDirectory, "screenshots", $"tour-{console.Name}.{culture}.{size.Width}.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
            throw new InvalidOperationException($"the tour stopped at {console.Name} ({culture}, {size.Width} px; see {file}): {e.Message}", e);
        }
    }

    private static async Task ShowAsync(IPage page, ConsolePage console, string culture, ViewportSize size, long batch, Findings findings)
    {
        await page.GotoAsync(console.Path.Replace("{batch}", batch.ToString()));
        if (Ready.TryGetValue(console.Name, out var ready)) await Expect(page.Locator(ready).First).ToBeVisibleAsync();
        await LookAsync(page, console.Name, culture, size, findings);
        foreach (var opened in Openings.GetValueOrDefault(console.Name) ?? [])
        {
            await opened.Open(page);
            await LookAsync(page, opened.Name, culture, size, findings);
            if (opened.Close is not null)
            {
                await opened.Close(page);
                await Expect(page.Locator(".mud-dialog, .mud-popover-open")).ToHaveCountAsync(0);
            }
        }
    }

    private static async Task LookAsync(IPage page, string name, string culture, ViewportSize size, Findings findings)
    {
        var file = Path.Combine(ScreenshotDirectory, $"{name}.{culture}.{size.Width}x{size.Height}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true, Animations = ScreenshotAnimations.Disabled });
        findings.Screenshots.Add(file);

        if (size.Width == Phone.Width)
        {
            var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            if (width > size.Width) findings.WideAtPhone.Add($"{name} ({culture}): {width} px");
            var stuck = await page.EvaluateAsync<string[]>(UnscrollableGridsScript);
            if (stuck.Length > 0) findings.UnscrollableGrids.Add($"{name} ({culture}): {string.Join(", ", stuck)}");
            var cut = await page.EvaluateAsync<string[]>(OutOfReachScript);
            if (cut.Length > 0) findings.OutOfReach.Add($"{name} ({culture}): {string.Join(", ", cut)}");
        }
        else
        {
            var wide = await page.EvaluateAsync<string[]>(WideGridsScript);
            if (wide.Length > 0) findings.WideGrids.Add($"{name} ({culture}): {string.Join(", ", wide)}");
        }
        if (culture == "zh-CN")
        {
            findings.AddText(name, await page.EvaluateAsync<string[]>(VisibleTextScript));
            if (size.Width == Desktop.Width)
            {
                foreach (var header in await page.EvaluateAsync<string[]>(TallHeadersScript)) findings.TallHeaders.Add($"{name}: {header}");
            }
        }
    }

    /// <summary>
    /// The text a reader sees: visible text nodes, the page title, and the titles, labels and placeholders of visible
    /// elements. Code (pre, code, kbd) and what is marked translate="no" are left out.
    /// </summary>
    private const string VisibleTextScript = """
        () => {
            const skip = 'pre, code, kbd, samp, script, style, noscript, [translate=no]';
            const out = [document.title];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let node; (node = walker.nextNode());) {
                const el = node.parentElement;
                const text = node.textContent.trim();
                if (!text || !el || el.closest(skip) || !el.checkVisibility({ visibilityProperty: true })) continue;
                out.push(text);
            }
            for (const el of document.body.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
                if (el.closest(skip) || !el.checkVisibility({ visibilityProperty: true })) continue;
                for (const a of ['title', 'aria-label', 'placeholder', 'alt']) {
                    const v = el.getAttribute(a);
                    if (v && v.trim()) out.push(v.trim());
                }
            }
            return out;
        }
        """;

    /// <summary>Visible column headers whose own text runs over more than two lines, with the number of lines.</summary>
    private const string TallHeadersScript = """
        () => [...document.querySelectorAll('th')].filter(th => th.checkVisibility()).map(th => {
            const tops = new Set();
            const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
            for (let node; (node = walker.nextNode());) {
                if (!node.textContent.trim()) continue;
                const range = document.createRange();
                range.selectNodeContents(node);
                for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
            }
            return { text: th.innerText.trim(), lines: tops.size };
        }).filter(h => h.lines > 2).map(h => `"${h.text}" in ${h.lines} lines`)
        """;

    /// <summary>Grids wider than their box that do not scroll inside it (their overflow is cut or pushes the page).</summary>
    private const string UnscrollableGridsScript = """
        () => [...document.querySelectorAll('.mud-table-container')]
            .filter(c => c.checkVisibility() && c.scrollWidth > c.clientWidth + 1 && !['auto', 'scroll'].includes(getComputedStyle(c).overflowX))
            .map(c => `${c.scrollWidth} px in ${c.clientWidth} px`)
        """;

    /// <summary>Visible grids whose content is wider than their box.</summary>
    private const string WideGridsScript = """
        () => [...document.querySelectorAll('.mud-table-container')]
            .filter(c => c.checkVisibility() && c.scrollWidth > c.clientWidth + 1)
            .map(c => `${c.scrollWidth} px in ${c.clientWidth} px`)
        """;

    /// <summary>
    /// Visible controls, and elements with text of their own, that reach past the left or right edge of the screen,
    /// unless a box that scrolls sideways holds them (then they can be scrolled to), they sit in a closed drawer, or they
    /// are written for screen readers only (visually hidden).
    /// </summary>
    private const string OutOfReachScript = """
        () => [...document.body.querySelectorAll('*')]
            .filter(el => el.matches('a, button, input, select, textarea, [role=button]')
                || [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
            .filter(el => el.checkVisibility({ visibilityProperty: true }) && !el.closest('.mud-drawer--closed, .visually-hidden, script, style'))
            .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && (r.right > window.innerWidth + 1 || r.left < -1); })
            .filter(el => {
                for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
                    if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX) && p.scrollWidth > p.clientWidth) return false;
                }
                return true;
            })
            .map(el => (el.getAttribute('aria-label') || el.innerText || el.getAttribute('name') || el.tagName).trim().slice(0, 40))
            .filter((text, i, all) => all.indexOf(text) === i)
        """;

    private sealed partial class Findings(IReadOnlyList<string> data, IReadOnlySet<string> names)
    {
        public readonly Dictionary<string, SortedSet<string>> English = [];
        public readonly List<string> WideAtPhone = [], UnscrollableGrids = [], OutOfReach = [], TallHeaders = [], WideGrids = [], Screenshots = [];

        // Addresses, links and paths, ids and codes (log_12, ORDER_SHIPPED, md5), time zones (Asia/Shanghai), hex and
        // Liquid ({{ name }}) are not words.
        [GeneratedRegex(@"\S+@\S+|\b[A-Za-z]+\d\w*\b|https?://\S+|(?<!\w)/[\w/.{}-]+|\blog_\d+\b|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\b[A-Z][A-Za-z_]+/[A-Za-z_]+\b|\b[0-9a-f]{8,}\b|\{\{.*?\}\}|\{%.*?%\}")]
        private static partial Regex NotWords();

        [GeneratedRegex(@"[A-Za-z][A-Za-z'’]+")]
        private static partial Regex Word();

        public void AddText(string name, IEnumerable<string> texts)
        {
            foreach (var text in texts.Where(t => !names.Contains(t)))
            {
                var rest = data.Aggregate(text, (t, d) => t.Replace(d, " "));
                foreach (Match word in Word().Matches(NotWords().Replace(rest, " ")))
                {
                    if (AllowedWords.Contains(word.Value)) continue;
                    if (!English.TryGetValue(name, out var words)) English[name] = words = new SortedSet<string>(StringComparer.Ordinal);
                    words.Add(word.Value);
                }
            }
        }

        public TourFindings ToResult() => new(English, WideAtPhone, UnscrollableGrids, OutOfReach, TallHeaders.Distinct().ToList(), WideGrids, Screenshots);
    }
}
