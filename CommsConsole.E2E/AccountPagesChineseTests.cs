using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

/// <summary>
/// The account pages (sign-in, password, two-factor, passkeys, personal data) in Simplified Chinese: no English left on
/// them, errors in Chinese and marked as errors, and text readable against its background.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class AccountPagesChineseTests(BrowserFixture fixture)
{
    private const string Password = "Account-Passw0rd!";
    private const string WrongPasswordMessage = "错误：登录失败。";

    /// <summary>Latin words that may stay on a Chinese page: names of products and the app.</summary>
    private static readonly HashSet<string> ProperNames = new(StringComparer.Ordinal)
    {
        "CommsConsole", "Microsoft", "Google", "Authenticator", "Android", "iOS",
    };

    [GeneratedRegex(@"[^\s@]+@[^\s@]+\.[A-Za-z]+")]
    private static partial Regex EmailAddress();

    [GeneratedRegex(@"[A-Za-z]{2,}")]
    private static partial Regex LatinWord();

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex Chinese();

    [Fact]
    public Task EveryAccountPage_InChinese_ShowsNoEnglish_AndReadableText() => fixture.RunPageAsync(nameof(EveryAccountPage_InChinese_ShowsNoEnglish_AndReadableText), async page =>
    {
        var email = await NewUserAsync();
        await SwitchToChineseAsync(page);

        foreach (var account in ConsolePages.Account.Where(p => !p.SignedIn))
        {
            await AssertChineseAsync(page, account);
        }

        await Ui.SignInAsync(page, email, Password);
        await Expect(page.GetByTestId("signed-in-user")).ToBeVisibleAsync();
        foreach (var account in ConsolePages.Account.Where(p => p.SignedIn))
        {
            await AssertChineseAsync(page, account);
        }

        // The account area leads back to the console, still signed in.
        await page.GotoAsync("/Account/Manage");
        await page.GetByTestId("back-to-console").ClickAsync();
        // Blazor may follow the link without a page load (enhanced navigation): wait for the address, not a load event.
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.GetByTestId("signed-in-user")).ToBeVisibleAsync();
    });

    [Fact]
    public Task SignIn_WithWrongPassword_InChinese_ShowsTheErrorInChinese_AsAnError() => fixture.RunPageAsync(nameof(SignIn_WithWrongPassword_InChinese_ShowsTheErrorInChinese_AsAnError), async page =>
    {
        var email = await NewUserAsync();
        await SwitchToChineseAsync(page);

        await Ui.SignInAsync(page, email, "not-the-password");

        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = WrongPasswordMessage })).ToBeVisibleAsync();
        Assert.Contains("/Account/Login", page.Url);
        Assert.Empty(await EnglishOnPageAsync(page));
        // The form keeps the address typed, so that only the password needs typing again.
        Assert.Equal(email, await page.InputValueAsync("input[name='Input.Email']"));
    });

    [Fact]
    public Task SignIn_WithEmptyFields_InChinese_ShowsEachFieldsErrorInChinese() => fixture.RunPageAsync(nameof(SignIn_WithEmptyFields_InChinese_ShowsEachFieldsErrorInChinese), async page =>
    {
        await SwitchToChineseAsync(page);
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("input[name='Input.Email']", "not an address");
        await page.ClickAsync("[data-testid='sign-in']");

        // Each message belongs to its field (aria-describedby) and is announced as an error.
        var email = page.Locator("input[name='Input.Email']");
        await Expect(email).ToHaveAttributeAsync("aria-invalid", "true");
        var emailError = page.Locator("#" + (await email.GetAttributeAsync("aria-describedby"))!.Split(' ').Last().Replace(".", "\\."));
        await Expect(emailError).ToHaveTextAsync("请输入有效的邮箱地址。");
        await Expect(emailError).ToHaveAttributeAsync("role", "alert");
        await Expect(page.Locator("input[name='Input.Password']")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByText("请输入密码。")).ToBeVisibleAsync();
        Assert.Empty(await EnglishOnPageAsync(page));
        Assert.Empty(await LowContrastTextAsync(page));
    });

    [Fact]
    public Task SignIn_WrongPasswordSixTimes_InChinese_KeepsTheSameMessage_ThenShowsTheLockoutPageInChinese() => fixture.RunPageAsync(nameof(SignIn_WrongPasswordSixTimes_InChinese_KeepsTheSameMessage_ThenShowsTheLockoutPageInChinese), async page =>
    {
        var email = await NewUserAsync();
        await SwitchToChineseAsync(page);

        var answers = new List<string>();
        for (var attempt = 1; attempt <= 6; attempt++)
        {
            await Ui.SignInAsync(page, email, "wrong-" + attempt);
            // The form was opened afresh, without a message: wait for the answer to the post.
            await Expect(page.GetByTestId("status-message").Or(page.GetByTestId("lockout"))).ToBeVisibleAsync();
            if (page.Url.Contains("/Account/Lockout", StringComparison.Ordinal))
            {
                await Expect(page.GetByTestId("lockout")).ToHaveTextAsync("此账号已被锁定，请稍后再试。");
                Assert.Empty(await EnglishOnPageAsync(page));
                answers.Add("lockout");
            }
            else
            {
                // Never an English message, never a second wording that would tell the attempts apart.
                await Expect(page.GetByTestId("status-message")).ToHaveTextAsync(WrongPasswordMessage);
                Assert.Empty(await EnglishOnPageAsync(page));
                answers.Add("error");
            }
        }

        Assert.Equal("error", answers[0]);
        Assert.Equal("lockout", answers[^1]);
        // Once locked, every further attempt is refused the same way.
        Assert.All(answers.SkipWhile(a => a == "error"), a => Assert.Equal("lockout", a));

        // The right password does not get past the lockout either, and the answer is still in Chinese.
        await Ui.SignInAsync(page, email, Password);
        await Expect(page.GetByTestId("lockout")).ToHaveTextAsync("此账号已被锁定，请稍后再试。");
        Assert.Contains("/Account/Lockout", page.Url);
    });

    [Fact]
    public Task ChangePassword_RefusedByIdentity_InChinese_SaysWhyInChinese() => fixture.RunPageAsync(nameof(ChangePassword_RefusedByIdentity_InChinese_SaysWhyInChinese), async page =>
    {
        var email = await NewUserAsync();
        await SwitchToChineseAsync(page);
        await Ui.SignInAsync(page, email, Password);
        await Expect(page.GetByTestId("signed-in-user")).ToBeVisibleAsync();

        // A wrong current password.
        await page.GotoAsync("/Account/Manage/ChangePassword");
        await page.FillAsync("input[name='Input.OldPassword']", "not-the-password");
        await page.FillAsync("input[name='Input.NewPassword']", "Another-Passw0rd!");
        await page.FillAsync("input[name='Input.ConfirmPassword']", "Another-Passw0rd!");
        await page.Locator(".mud-main-content form button[type=submit]").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "密码不正确。" })).ToBeVisibleAsync();
        Assert.Empty(await EnglishOnPageAsync(page));

        // The right one, and a new password Identity's rules refuse: each broken rule in Chinese.
        await page.FillAsync("input[name='Input.OldPassword']", Password);
        await page.FillAsync("input[name='Input.NewPassword']", "abcdefg");
        await page.FillAsync("input[name='Input.ConfirmPassword']", "abcdefg");
        await page.Locator(".mud-main-content form button[type=submit]").ClickAsync();
        var refusal = page.GetByTestId("status-message");
        await Expect(refusal).ToContainTextAsync("密码必须至少包含一个大写字母（A-Z）。");
        await Expect(refusal).ToContainTextAsync("密码必须至少包含一个数字（0-9）。");
        await Expect(refusal).ToContainTextAsync("密码必须至少包含一个符号（非字母和数字）。");
        await Expect(refusal).ToHaveAttributeAsync("role", "alert");
        Assert.Empty(await EnglishOnPageAsync(page));

        // Nothing was changed: the old password still signs in.
        await page.Context.ClearCookiesAsync();
        await Ui.SignInAsync(page, email, Password);
        await Expect(page.GetByTestId("signed-in-user")).ToBeVisibleAsync();
    });

    private async Task<string> NewUserAsync()
    {
        using var api = await ConsoleApi.SignInAsync(fixture.App);
        var tenant = await (await api.PostAsJsonAsync("/admin/tenants", new { name = "Account " + Guid.NewGuid().ToString("N")[..6] })).Content.ReadFromJsonAsync<JsonElement>();
        var email = $"account-{Guid.NewGuid():N}@e2e.test";
        var created = await api.PostAsJsonAsync("/admin/users", new { email, password = Password, role = "Marketer", tenant_id = tenant.GetProperty("id").GetString() });
        created.EnsureSuccessStatusCode();
        return email;
    }

    /// <summary>Chooses 简体中文 the way the language menu does: the culture cookie, set by the app.</summary>
    private static async Task SwitchToChineseAsync(IPage page)
    {
        await page.GotoAsync("/culture/set?culture=zh-CN&redirectUri=" + Uri.EscapeDataString("/Account/Login"));
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
    }

    private static async Task AssertChineseAsync(IPage page, ConsolePage account)
    {
        var response = await page.GotoAsync(account.Path);
        Assert.True(response is { Ok: true }, $"{account.Name}: {response?.Status}");
        Assert.Contains(account.Path, page.Url, StringComparison.OrdinalIgnoreCase);
        await Expect(page.Locator("h1").First).ToBeVisibleAsync();
        Assert.Matches(Chinese(), await page.Locator("h1").First.InnerTextAsync());
        var english = await EnglishOnPageAsync(page);
        Assert.True(english.Count == 0, $"{account.Name} ({account.Path}) shows English: {string.Join(" | ", english)}");
        var low = await LowContrastTextAsync(page);
        Assert.True(low.Count == 0, $"{account.Name} ({account.Path}) has text below 4.5:1: {string.Join(" | ", low)}");
    }

    /// <summary>
    /// The pieces of visible text (and of the title, labels and tooltips a screen reader or mouse shows) that hold
    /// Latin words other than proper names, email addresses and keys to copy.
    /// </summary>
    private static async Task<List<string>> EnglishOnPageAsync(IPage page)
    {
        var texts = await page.EvaluateAsync<string[]>("""
            () => {
                const visible = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
                const found = [document.title, ...document.body.innerText.split('\n')];
                for (const e of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
                    if (!visible(e)) continue;
                    for (const a of ['aria-label', 'title', 'placeholder']) if (e.getAttribute(a)) found.push(e.getAttribute(a));
                }
                // Keys and codes to copy (the authenticator key, recovery codes) are data, not words.
                const data = [...document.querySelectorAll('kbd, code')].map(e => e.innerText.trim()).filter(d => d);
                return found.map(t => data.reduce((left, d) => left.split(d).join(' '), t));
            }
            """);
        return texts
            .Select(t => EmailAddress().Replace(t, " "))
            .Where(t => LatinWord().Matches(t).Any(w => !ProperNames.Contains(w.Value)))
            .Distinct()
            .ToList();
    }

    /// <summary>Visible text of the page's own content (not the console's frame) whose contrast with the background behind it is below WCAG AA's 4.5:1.</summary>
    private static async Task<List<string>> LowContrastTextAsync(IPage page) =>
        (await page.EvaluateAsync<string[]>("""
            () => {
                const parse = c => { const m = c.match(/[\d.]+/g).map(Number); return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 }; };
                const over = (top, bottom) => ({ r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a), b: top.b * top.a + bottom.b * (1 - top.a), a: 1 });
                const background = e => {
                    const layers = [];
                    for (let n = e; n; n = n.parentElement) {
                        const c = parse(getComputedStyle(n).backgroundColor);
                        if (c.a > 0) layers.push(c);
                        if (c.a >= 1) break;
                    }
                    return layers.reverse().reduce((acc, c) => over(c, acc), { r: 255, g: 255, b: 255, a: 1 });
                };
                const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
                const low = [];
                const walker = document.createTreeWalker(document.querySelector('.mud-main-content'), NodeFilter.SHOW_TEXT);
                for (let t = walker.nextNode(); t; t = walker.nextNode()) {
                    const e = t.parentElement;
                    if (!t.textContent.trim() || !e || !(e.offsetWidth || e.offsetHeight)) continue;
                    const style = getComputedStyle(e);
                    if (style.visibility !== 'visible' || e.closest('[aria-hidden="true"]')) continue;
                    const bg = background(e);
                    const fg = over(parse(style.color), bg);
                    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
                    const ratio = (hi + 0.05) / (lo + 0.05);
                    if (ratio < 4.5) low.push(`${t.textContent.trim()} (${ratio.toFixed(2)}: ${style.color} on rgb(${bg.r|0},${bg.g|0},${bg.b|0}))`);
                }
                return low;
            }
            """)).ToList();
}
