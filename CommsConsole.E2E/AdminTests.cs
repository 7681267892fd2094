using Microsoft.Playwright;
using CommsConsole.Tests.Features.Providers;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

/// <summary>
/// An Admin invites a user from the console; the invitation reaches a real SMTP peer (aiosmtpd), and the new user opens
/// its link, chooses a password and signs in with the rights of their role.
/// </summary>
public sealed class AdminTests : IAsyncLifetime
{
    private SmtpPeer _peer = null!;
    private BrowserFixture _browser = null!;

    public async Task InitializeAsync()
    {
        _peer = await SmtpPeer.StartAsync();
        var app = await ConsoleApp.StartAsync("admin", new Dictionary<string, string>
        {
            ["Providers:Email"] = "smtp", ["Providers:Smtp:Host"] = "127.0.0.1", ["Providers:Smtp:Port"] = _peer.Port.ToString(),
            ["Providers:Smtp:Security"] = "None", ["Providers:Smtp:FromAddress"] = "accounts@commsconsole.test",
        });
        _browser = new BrowserFixture();
        await _browser.LaunchAsync(app);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _peer.DisposeAsync();
    }

    [Fact]
    public Task Admin_InvitesAnAuditor_WhoChoosesAPassword_AndCanReadButNotSend() => _browser.RunPageAsync(nameof(Admin_InvitesAnAuditor_WhoChoosesAPassword_AndCanReadButNotSend), async page =>
    {
        await Ui.SignInAsync(page, ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        await page.GotoAsync("/users");
        var email = $"auditor-{Guid.NewGuid():N}"[..20] + "@e2e.test";
        await Ui.Field(page, "new-user-email").FillAsync(email);
        await page.Locator("[data-testid=new-user-role] .mud-input-control").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Auditor" }).ClickAsync();
        // The choice has reached the server's copy of the form before the invitation goes (the circuit may lag under load).
        await Expect(page.Locator("[data-testid=new-user-role] input")).ToHaveValueAsync("Auditor");
        await page.GetByTestId("create-user").ClickAsync();
        await Expect(page.GetByText($"Invitation sent to {email}.")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("user-table").GetByText(email)).ToBeVisibleAsync();

        // The account page is one click from the user chip.
        await page.GetByTestId("signed-in-user").ClickAsync();
        await Expect(page.GetByText("Your account")).ToBeVisibleAsync();

        // The invitation as the new user's mail client shows it.
        var invitation = Assert.Single(_peer.Received(), r => r.RcptTo.Contains(email)).Message;
        var link = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(invitation.HtmlBody ?? "", "<a href=\"([^\"]+)\"").Groups[1].Value);
        Assert.StartsWith(_browser.App.BaseUrl + "/Account/ResetPassword?code=", link);

        await page.Context.ClearCookiesAsync();
        await page.GotoAsync(link);
        await page.FillAsync("input[name='Input.Email']", email);
        await page.FillAsync("input[name='Input.Password']", "Auditor-Passw0rd!");
        await page.FillAsync("input[name='Input.ConfirmPassword']", "Auditor-Passw0rd!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Reset password", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/Account/ResetPasswordConfirmation");

        await Ui.SignInAsync(page, email, "Auditor-Passw0rd!");
        await Expect(page.GetByTestId("signed-in-user")).ToContainTextAsync("Auditor");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Logs" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Compose" })).ToHaveCountAsync(0);
        await page.GotoAsync("/compose");
        await Expect(page.GetByTestId("send")).ToHaveCountAsync(0);
    });
}
