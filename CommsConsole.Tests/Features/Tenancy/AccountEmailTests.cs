using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Features.Providers;
using CommsConsole.Tests.Infrastructure;
using MimeKit;

namespace CommsConsole.Tests.Features.Tenancy;

/// <summary>
/// Emails about a person's own account (password reset, invitation) through the installation's SMTP provider to a real
/// SMTP peer, with links on the configured public address, followed as the recipient would.
/// </summary>
public sealed partial class AccountEmailTests : IAsyncLifetime
{
    private const string PublicBase = "https://console.example.test";
    private SmtpPeer _peer = null!;
    private AppFactory _app = null!;

    public async Task InitializeAsync()
    {
        _peer = await SmtpPeer.StartAsync();
        _app = new AppFactory(null, new Dictionary<string, string?>
        {
            ["Providers:Email"] = "smtp", ["Providers:Smtp:Host"] = "127.0.0.1", ["Providers:Smtp:Port"] = _peer.Port.ToString(),
            ["Providers:Smtp:Security"] = "None", ["Providers:Smtp:FromAddress"] = "accounts@commsconsole.test",
            ["App:PublicBaseUrl"] = PublicBase,
        });
        await ((IAsyncLifetime)_app).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_app).DisposeAsync();
        await _peer.DisposeAsync();
    }

    private async Task<MimeMessage> ReceivedByAsync(string email, int atLeast = 1)
    {
        for (var until = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < until; await Task.Delay(100))
        {
            var found = _peer.Received().Where(r => r.RcptTo.Contains(email)).ToList();
            if (found.Count >= atLeast) return atLeast == 1 ? Assert.Single(found).Message : found[0].Message;
        }
        throw new TimeoutException($"no email reached {email}");
    }

    /// <summary>The link of an account email, as the public address gives it, and the same path on the test app.</summary>
    private (string Public, string OnApp) LinkOf(MimeMessage message)
    {
        var href = WebUtility.HtmlDecode(Href().Match(message.HtmlBody ?? "").Groups[1].Value);
        Assert.StartsWith(PublicBase + "/Account/ResetPassword?code=", href);
        return (href, href[PublicBase.Length..]);
    }

    /// <summary>Opens the reset page from the link and chooses <paramref name="password"/> there.</summary>
    private static async Task<HttpResponseMessage> ChoosePasswordAsync(ConsoleBrowser browser, string linkOnApp, string email, string password)
    {
        var page = await browser.Client.GetStringAsync(linkOnApp);
        var code = WebUtility.HtmlDecode(CodeField().Match(page).Groups[1].Value);
        Assert.False(string.IsNullOrEmpty(code), "the reset page carries the link's code");
        return await browser.PostFormAsync(linkOnApp, "reset-password", new Dictionary<string, string>
        {
            ["Input.Code"] = code, ["Input.Email"] = email, ["Input.Password"] = password, ["Input.ConfirmPassword"] = password,
        });
    }

    [Fact]
    public async Task ForgotPassword_EmailsALinkOnThePublicAddress_WhateverHostTheRequestNames_AndTheLinkSetsANewPassword()
    {
        var tenant = await _app.CreateTenantAsync();
        var (email, _) = await _app.NewUserAsync(Roles.Marketer, tenant);
        using var browser = new ConsoleBrowser(_app);

        var asked = await browser.PostFormAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = email }, host: "evil.example");
        Assert.EndsWith("/Account/ForgotPasswordConfirmation", browser.Target(asked).AbsolutePath);

        var message = await ReceivedByAsync(email);
        Assert.Equal("Reset your CommsConsole password", message.Subject);
        Assert.DoesNotContain("evil.example", message.HtmlBody);
        var (_, onApp) = LinkOf(message);

        var chosen = await ChoosePasswordAsync(browser, onApp, email, "Chosen-Passw0rd!");
        Assert.EndsWith("/Account/ResetPasswordConfirmation", browser.Target(chosen).AbsolutePath);
        using var again = new ConsoleBrowser(_app);
        Assert.True(ConsoleBrowser.StartsSession(await again.SignInAsync(email, "Chosen-Passw0rd!")));
        Assert.False(ConsoleBrowser.StartsSession(await again.SignInAsync(email, AppFactory.UserPassword)));
    }

    [Fact]
    public async Task ForgotPassword_AskedTwentyTimesAtOnce_MailsTheAccountNoMoreThanItsHourlyLimit()
    {
        var tenant = await _app.CreateTenantAsync();
        var (email, _) = await _app.NewUserAsync(Roles.Marketer, tenant);
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var browser = new ConsoleBrowser(_app);
            var asked = await browser.PostFormAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = email });
            return browser.Target(asked).AbsolutePath;
        }));
        // Every request is answered alike, so the limit tells nothing about the account.
        Assert.All(answers, path => Assert.EndsWith("/Account/ForgotPasswordConfirmation", path));
        await ReceivedByAsync(email, atLeast: 5);
        await Task.Delay(500);
        Assert.Equal(5, _peer.Received().Count(r => r.RcptTo.Contains(email)));
    }

    [Fact]
    public async Task ForgotPassword_ForAnUnknownEmail_AnswersTheSame_AndSendsNothing()
    {
        using var browser = new ConsoleBrowser(_app);
        var unknown = $"nobody-{Guid.NewGuid():N}@tests.local";
        var asked = await browser.PostFormAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = unknown });
        Assert.EndsWith("/Account/ForgotPasswordConfirmation", browser.Target(asked).AbsolutePath);
        await Task.Delay(500);
        Assert.DoesNotContain(_peer.Received(), r => r.RcptTo.Contains(unknown));
    }

    [Fact]
    public async Task ResetLinkOfOneUser_CannotSetAnotherUsersPassword_AndAMangledCodeIsNoErrorPage()
    {
        var tenant = await _app.CreateTenantAsync();
        var (victim, _) = await _app.NewUserAsync(Roles.Admin, tenant);
        var (attacker, _) = await _app.NewUserAsync(Roles.Marketer, tenant);
        using var browser = new ConsoleBrowser(_app);
        await browser.PostFormAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = attacker });
        var (_, onApp) = LinkOf(await ReceivedByAsync(attacker));

        var tried = await ChoosePasswordAsync(browser, onApp, victim, "Taken-Passw0rd!");
        Assert.Equal(HttpStatusCode.OK, tried.StatusCode);
        Assert.Contains("Invalid token", await tried.Content.ReadAsStringAsync());
        Assert.True(ConsoleBrowser.StartsSession(await new ConsoleBrowser(_app).SignInAsync(victim, AppFactory.UserPassword)));

        var mangled = await browser.Client.GetAsync("/Account/ResetPassword?code=%21%21not-base64%21%21");
        Assert.EndsWith("/Account/InvalidPasswordReset", browser.Target(mangled).AbsolutePath);
    }

    [Fact]
    public async Task UserCreatedWithoutAPassword_IsInvitedByEmail_AndSignsInOnlyWithThePasswordTheyChoose()
    {
        var tenant = await _app.CreateTenantAsync();
        using var admin = await _app.AdminAsync();
        var email = $"invited-{Guid.NewGuid():N}"[..20] + "@tests.local";
        var created = await admin.PostAsJsonAsync("/admin/users", new { email, role = "Integrator", tenant_id = tenant });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("invited").GetBoolean());
        Assert.False(body.TryGetProperty("invitation_error", out _));

        // No password works before they choose one.
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/auth/token", new { email, password = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.PostAsJsonAsync("/auth/token", new { email, password = AppFactory.UserPassword })).StatusCode);

        var message = await ReceivedByAsync(email);
        Assert.Equal("You are invited to CommsConsole", message.Subject);
        Assert.Contains(email, message.HtmlBody);
        using var browser = new ConsoleBrowser(_app);
        var chosen = await ChoosePasswordAsync(browser, LinkOf(message).OnApp, email, "Invited-Passw0rd!");
        Assert.EndsWith("/Account/ResetPasswordConfirmation", browser.Target(chosen).AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync("/auth/token", new { email, password = "Invited-Passw0rd!" })).StatusCode);

        // The link is spent once used.
        var reused = await ChoosePasswordAsync(browser, LinkOf(message).OnApp, email, "Second-Passw0rd!");
        Assert.Contains("Invalid token", await reused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task InvitationTheProviderRefuses_StillCreatesTheUser_AndSaysWhy()
    {
        var tenant = await _app.CreateTenantAsync();
        using var admin = await _app.AdminAsync();
        var created = await admin.PostAsJsonAsync("/admin/users", new { email = SmtpPeer.RefusedRecipient, role = "Marketer", tenant_id = tenant });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("invited").GetBoolean());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("invitation_error").GetString()));
    }

    [Fact]
    public async Task TwentyInvitationsOfOneEmailAtOnce_CreateOneUser_AndSendOneEmail()
    {
        var tenant = await _app.CreateTenantAsync();
        using var admin = await _app.AdminAsync();
        var email = $"race-{Guid.NewGuid():N}"[..16] + "@tests.local";
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            admin.PostAsJsonAsync("/admin/users", new { email, role = "Marketer", tenant_id = tenant })));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
        await ReceivedByAsync(email);
        await Task.Delay(500);
        Assert.Single(_peer.Received(), r => r.RcptTo.Contains(email));
    }

    [GeneratedRegex("<a href=\"([^\"]+)\"")]
    private static partial Regex Href();

    [GeneratedRegex("name=\"Input.Code\" value=\"([^\"]*)\"")]
    private static partial Regex CodeField();
}
