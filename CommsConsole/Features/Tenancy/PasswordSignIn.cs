using CommsConsole.Data;
using Microsoft.AspNetCore.Identity;

namespace CommsConsole.Features.Tenancy;

/// <summary>
/// Password sign-in for the console form and <c>/auth/token</c> alike: failures count towards Identity's lockout, and
/// every answer costs one password hash, so neither an unknown email nor a locked account answers faster than a wrong
/// password and the time of an answer tells nothing about which accounts exist.
/// </summary>
public sealed class PasswordSignIn(SignInManager<ApplicationUser> signIn, IPasswordHasher<ApplicationUser> hasher, AppDbContext db)
{
    /// <summary>Enough to count the failures of twenty concurrent attempts on one account, each retry being one read.</summary>
    private const int MaxCountingAttempts = 25;

    private static readonly ApplicationUser Nobody = new() { Id = "nobody", TenantId = "", Role = "" };
    private static string? _dummyHash;

    private UserManager<ApplicationUser> Users => signIn.UserManager;

    /// <summary>Checks the password only (for issuing a token); the user is returned when it succeeded.</summary>
    public Task<(SignInResult Result, ApplicationUser? User)> CheckAsync(string email, string password) =>
        RunAsync(email, password, user => signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: false));

    /// <summary>Checks the password and signs in with the console's cookie (or asks for the second factor).</summary>
    public async Task<SignInResult> SignInAsync(string email, string password, bool persistent) =>
        (await RunAsync(email, password, user => signIn.PasswordSignInAsync(user, password, persistent, lockoutOnFailure: false))).Result;

    private async Task<(SignInResult Result, ApplicationUser? User)> RunAsync(string email, string password, Func<ApplicationUser, Task<SignInResult>> check)
    {
        var user = await Users.FindByEmailAsync(email.Trim());
        if (user is null || await Users.IsLockedOutAsync(user))
        {
            // Identity answers these without hashing; spend the same time on a fixed hash instead.
            hasher.VerifyHashedPassword(Nobody, DummyHash(), password);
            return user is null ? (SignInResult.Failed, null) : (SignInResult.LockedOut, null);
        }
        // An invited user has no password yet, and Identity refuses one without hashing: the same time again.
        if (user.PasswordHash is null) hasher.VerifyHashedPassword(Nobody, DummyHash(), password);
        var result = await check(user);
        if (result.Succeeded || result.RequiresTwoFactor) return (result, user);
        if (result.IsLockedOut || result.IsNotAllowed) return (result, null);
        return (await CountFailureAsync(user) ? SignInResult.LockedOut : SignInResult.Failed, null);
    }

    /// <summary>
    /// Counts one failed attempt. Identity's own counting drops the failure when another attempt updated the account
    /// in between (a concurrency failure), so twenty wrong passwords sent at once would count as a few; here each
    /// failure is retried on fresh data until it is written.
    /// </summary>
    private async Task<bool> CountFailureAsync(ApplicationUser user)
    {
        for (var attempt = 0; attempt < MaxCountingAttempts; attempt++)
        {
            var counted = await Users.AccessFailedAsync(user);
            if (counted.Succeeded) return await Users.IsLockedOutAsync(user);
            if (!counted.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure))) return false;
            await db.Entry(user).ReloadAsync();
        }
        return await Users.IsLockedOutAsync(user);
    }

    private string DummyHash() => _dummyHash ??= hasher.HashPassword(Nobody, Guid.NewGuid().ToString("N"));
}
