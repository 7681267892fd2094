using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

[Collection(ConsoleCollection.Name)]
public sealed class AdminTests(BrowserFixture fixture)
{
    [Fact]
    public Task Admin_CreatesAnAuditor_WhoCanReadButNotSend() => fixture.RunPageAsync(nameof(Admin_CreatesAnAuditor_WhoCanReadButNotSend), async page =>
    {
        await Ui.SignInAsync(page, ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        await page.GotoAsync("/users");
        var email = $"auditor-{Guid.NewGuid():N}"[..20] + "@e2e.test";
        await Ui.Field(page, "new-user-email").FillAsync(email);
        await Ui.Field(page, "new-user-password").FillAsync("Auditor-Passw0rd!");
        await page.Locator("[data-testid=new-user-role] .mud-input-control").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Auditor" }).ClickAsync();
        await page.GetByTestId("create-user").ClickAsync();
        await Expect(page.GetByTestId("user-table").GetByText(email)).ToBeVisibleAsync();

        // The account page is one click from the user chip.
        await page.GetByTestId("signed-in-user").ClickAsync();
        await Expect(page.GetByText("Your account")).ToBeVisibleAsync();

        await page.Context.ClearCookiesAsync();
        await Ui.SignInAsync(page, email, "Auditor-Passw0rd!");
        await Expect(page.GetByTestId("signed-in-user")).ToContainTextAsync("Auditor");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Logs" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Compose" })).ToHaveCountAsync(0);
        await page.GotoAsync("/compose");
        await Expect(page.GetByTestId("send")).ToHaveCountAsync(0);
    });
}
