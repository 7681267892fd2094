using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

[Collection(ConsoleCollection.Name)]
public sealed class SignInTests(BrowserFixture fixture)
{
    [Fact]
    public Task SignIn_AsBootstrapAdmin_ShowsSignedInUser() => fixture.RunPageAsync(nameof(SignIn_AsBootstrapAdmin_ShowsSignedInUser), async page =>
    {
        await Ui.SignInAsync(page, ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        await Expect(page.GetByText(ConsoleApp.AdminEmail).First).ToBeVisibleAsync();
        Assert.DoesNotContain("/Account/Login", page.Url);

        // The SystemAdmin, and only a signed-in SystemAdmin, reaches the background jobs.
        var dashboard = await page.GotoAsync("/hangfire");
        Assert.Equal(200, dashboard!.Status);
        await Expect(page.GetByText("Servers").First).ToBeVisibleAsync();
    });

    [Fact]
    public Task SignIn_WithWrongPassword_ShowsError() => fixture.RunPageAsync(nameof(SignIn_WithWrongPassword_ShowsError), async page =>
    {
        await Ui.SignInAsync(page, ConsoleApp.AdminEmail, "not-the-password");
        await Expect(page.GetByText("Invalid login attempt", new() { Exact = false })).ToBeVisibleAsync();
        Assert.Contains("/Account/Login", page.Url);
    });
}
