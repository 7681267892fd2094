using System.Net;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features.Tenancy;

/// <summary>The console's sign-in form: lockout as on /auth/token, and redirects only to the console's own paths.</summary>
[Collection(AppCollection.Name)]
public sealed class ConsoleSignInTests(SharedApp app)
{
    private const string Password = AppFactory.UserPassword;

    private async Task<string> NewUserAsync() => (await app.NewUserAsync(Roles.Marketer, await app.CreateTenantAsync())).Email;

    [Fact]
    public async Task SignInForm_After20WrongPasswords_RefusesTheRightOne()
    {
        var email = await NewUserAsync();
        using var browser = new ConsoleBrowser(app);
        for (var i = 0; i < 20; i++) Assert.False(ConsoleBrowser.StartsSession(await browser.SignInAsync(email, "wrong-" + i)));

        var right = await browser.SignInAsync(email, Password);
        Assert.False(ConsoleBrowser.StartsSession(right), "the right password still signed in after 20 wrong ones");
        Assert.Equal("/Account/Lockout", browser.Target(right).AbsolutePath);
        // The same lockout holds for the API.
        using var api = app.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.PostAsync("/auth/token", new { email, password = Password })).Status);
    }

    [Fact]
    public async Task SignInForm_With20WrongPasswordsAtOnce_CountsEveryOne_AndLocks()
    {
        var email = await NewUserAsync();
        using var browser = new ConsoleBrowser(app);
        var attempts = Enumerable.Range(0, 20).Select(async i =>
        {
            using var own = new ConsoleBrowser(app);
            return ConsoleBrowser.StartsSession(await own.SignInAsync(email, "wrong-" + i));
        });
        Assert.DoesNotContain(true, await Task.WhenAll(attempts));
        Assert.False(ConsoleBrowser.StartsSession(await browser.SignInAsync(email, Password)));
    }

    [Fact]
    public async Task SignInForm_WithTheRightPassword_StartsASession_AndFollowsALocalReturnUrl()
    {
        var email = await NewUserAsync();
        using var browser = new ConsoleBrowser(app);
        var response = await browser.SignInAsync(email, Password, app.BaseAddress + "logs?page=2");
        Assert.True(ConsoleBrowser.StartsSession(response));
        var target = browser.Target(response);
        Assert.Equal(app.BaseAddress.Authority, target.Authority);
        Assert.Equal("/logs?page=2", target.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync("/logs")).StatusCode);
    }

    public static TheoryData<string> ForeignUrls => new()
    {
        "//evil.example", "/\\evil.example", "\\\\evil.example", "http://evil.example/x", "https:evil.example", "/\t/evil.example",
        "/\r\nLocation: http://evil.example", "javascript:alert(1)", "~//evil.example", "/é",
    };

    [Theory]
    [MemberData(nameof(ForeignUrls))]
    public async Task SignInForm_WithAForeignReturnUrl_SignsInAndGoesHome(string returnUrl)
    {
        var email = await NewUserAsync();
        using var browser = new ConsoleBrowser(app);
        var response = await browser.SignInAsync(email, Password, returnUrl);
        Assert.True(ConsoleBrowser.StartsSession(response), $"{(int)response.StatusCode} {response.Headers.Location}");
        var target = browser.Target(response);
        Assert.Equal(app.BaseAddress.Authority, target.Authority);
        Assert.Equal("/", target.PathAndQuery);
    }

    [Theory]
    [MemberData(nameof(ForeignUrls))]
    public async Task CultureSwitch_WithAForeignRedirect_GoesHome(string redirectUri)
    {
        using var browser = new ConsoleBrowser(app);
        var response = await browser.Client.GetAsync("/culture/set?culture=zh-CN&redirectUri=" + Uri.EscapeDataString(redirectUri));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Culture=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CultureSwitch_WithALocalRedirect_GoesThere()
    {
        using var browser = new ConsoleBrowser(app);
        var response = await browser.Client.GetAsync("/culture/set?culture=en&redirectUri=" + Uri.EscapeDataString("/logs?page=2"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/logs?page=2", response.Headers.Location?.OriginalString);
    }
}
