using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

[Collection(ConsoleCollection.Name)]
public sealed class LanguageTests(BrowserFixture fixture)
{
    [Fact]
    public Task Console_SwitchesToChinese_AndBack() => fixture.RunPageAsync(nameof(Console_SwitchesToChinese_AndBack), async page =>
    {
        await Ui.SignInAsync(page, ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        await Expect(page.GetByText("Dashboard").First).ToBeVisibleAsync();

        await page.GetByTestId("language-menu").Locator("button").First.ClickAsync();
        await page.GetByText("简体中文").ClickAsync();
        await Expect(page.GetByText("仪表盘").First).ToBeVisibleAsync();
        await Expect(page.GetByText("最近 30 天")).ToBeVisibleAsync();

        await page.GetByTestId("language-menu").Locator("button").First.ClickAsync();
        await page.GetByText("English").ClickAsync();
        await Expect(page.GetByText("Last 30 days")).ToBeVisibleAsync();
    });
}
