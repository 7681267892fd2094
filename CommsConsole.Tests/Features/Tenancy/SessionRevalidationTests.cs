using System.Net;
using System.Security.Claims;
using CommsConsole.Components.Account;
using CommsConsole.Data;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommsConsole.Tests.Features.Tenancy;

/// <summary>A console session ends soon after an Admin locks or demotes its user; a lockout earned by wrong passwords does not end it.</summary>
public sealed class SessionRevalidationTests(ShortSessionApp app) : IClassFixture<ShortSessionApp>
{
    private const string Password = AppFactory.UserPassword;
    private static readonly Caller SystemAdmin = new("usr_test_admin", "", Roles.SystemAdmin);

    private Task<(string Email, string UserId)> NewUserAsync(string tenant) => app.NewUserAsync(Roles.Marketer, tenant);

    private async Task<ConsoleBrowser> SignedInAsync(string email)
    {
        var browser = new ConsoleBrowser(app);
        Assert.True(ConsoleBrowser.StartsSession(await browser.SignInAsync(email, Password)));
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync("/logs")).StatusCode);
        return browser;
    }

    /// <summary>Polls the page until the session is sent to the sign-in, well within the minute.</summary>
    private static async Task AssertSessionEndsAsync(ConsoleBrowser browser)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        HttpResponseMessage response;
        do
        {
            await Task.Delay(250);
            response = await browser.Client.GetAsync("/logs");
            if (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.ToString().Contains("/Account/Login", StringComparison.Ordinal)) return;
        }
        while (DateTime.UtcNow < until);
        Assert.Fail($"the session still gets the page: {(int)response.StatusCode}");
    }

    private async Task ManageAsync(Func<TenancyService, Task<bool>> action)
    {
        using var scope = app.Services.CreateScope();
        Assert.True(await action(scope.ServiceProvider.GetRequiredService<TenancyService>()));
    }

    [Fact]
    public async Task Session_WhenAnAdminLocksTheUser_EndsWithinTheInterval()
    {
        var tenant = await app.CreateTenantAsync();
        var (email, id) = await NewUserAsync(tenant);
        using var browser = await SignedInAsync(email);
        await ManageAsync(async t => (await t.SetLockedAsync(id, true, SystemAdmin, CancellationToken.None)).IsOk);
        await AssertSessionEndsAsync(browser);
        Assert.False(ConsoleBrowser.StartsSession(await browser.SignInAsync(email, Password)));
    }

    [Fact]
    public async Task Session_WhenAnAdminChangesTheRole_EndsWithinTheInterval()
    {
        var tenant = await app.CreateTenantAsync();
        var (email, id) = await NewUserAsync(tenant);
        using var browser = await SignedInAsync(email);
        await ManageAsync(async t => (await t.ChangeRoleAsync(id, Roles.Auditor, SystemAdmin, CancellationToken.None)).IsOk);
        await AssertSessionEndsAsync(browser);
    }

    [Fact]
    public async Task Session_WhenThePasswordIsReset_EndsWithinTheInterval()
    {
        var tenant = await app.CreateTenantAsync();
        var (email, id) = await NewUserAsync(tenant);
        using var browser = await SignedInAsync(email);
        using (var scope = app.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = (await users.FindByIdAsync(id))!;
            Assert.True((await users.ResetPasswordAsync(user, await users.GeneratePasswordResetTokenAsync(user), "Other-Passw0rd!")).Succeeded);
        }
        await AssertSessionEndsAsync(browser);
    }

    [Fact]
    public async Task Session_WhenSomeoneGuessesWrongPasswords_KeepsWorking()
    {
        var tenant = await app.CreateTenantAsync();
        var (email, _) = await NewUserAsync(tenant);
        using var browser = await SignedInAsync(email);
        using var attacker = app.Anonymous();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => attacker.PostAsync("/auth/token", new { email, password = "wrong-" + i })));
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.PostAsync("/auth/token", new { email, password = Password })).Status);

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync("/logs")).StatusCode);
    }

    [Fact]
    public async Task RevalidatingState_IsInvalid_ForALockedOrDemotedUser_AndValidOtherwise()
    {
        var tenant = await app.CreateTenantAsync();
        var (_, lockedId) = await NewUserAsync(tenant);
        var (_, demotedId) = await NewUserAsync(tenant);
        var (_, keptId) = await NewUserAsync(tenant);
        var locked = await PrincipalAsync(lockedId);
        var demoted = await PrincipalAsync(demotedId);
        var kept = await PrincipalAsync(keptId);

        using var provider = new IdentityRevalidatingAuthenticationStateProvider(
            app.Services.GetRequiredService<ILoggerFactory>(), app.Services.GetRequiredService<IServiceScopeFactory>(),
            app.Services.GetRequiredService<IOptions<IdentityOptions>>(), app.Services.GetRequiredService<IOptions<AccountSessionOptions>>());
        Assert.True(await provider.IsStillValidAsync(locked));
        Assert.True(await provider.IsStillValidAsync(demoted));

        await ManageAsync(async t => (await t.SetLockedAsync(lockedId, true, SystemAdmin, CancellationToken.None)).IsOk);
        await ManageAsync(async t => (await t.ChangeRoleAsync(demotedId, Roles.Auditor, SystemAdmin, CancellationToken.None)).IsOk);

        Assert.False(await provider.IsStillValidAsync(locked));
        Assert.False(await provider.IsStillValidAsync(demoted));
        Assert.True(await provider.IsStillValidAsync(kept));
    }

    private async Task<ClaimsPrincipal> PrincipalAsync(string userId)
    {
        using var scope = app.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var factory = scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<ApplicationUser>>();
        return await factory.CreateAsync((await users.FindByIdAsync(userId))!);
    }
}
