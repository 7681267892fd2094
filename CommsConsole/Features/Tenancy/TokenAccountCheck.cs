using System.Security.Claims;
using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Tenancy;

/// <summary>
/// Keeps bearer tokens in step with their accounts: a token stops working once its user is deleted, or locked, demoted
/// or re-passworded by an Admin (each of which renews the security stamp the token carries). A lockout earned by wrong
/// passwords leaves the stamp alone: it only refuses new sign-ins, or whoever knows an email could cut off an
/// integrator's working tokens. One primary-key read per request; caching it would let a locked account keep working
/// until the cache expired.
/// </summary>
public sealed class TokenAccountCheck(TimeProvider clock)
{
    private sealed record AccountState(string? Stamp, DateTimeOffset? LockoutEnd);

    /// <summary>Compiled once: every API request runs it, and EF's per-call translation cache lookup cost more than the read.</summary>
    private static readonly Func<AppDbContext, string, Task<AccountState?>> FindAccount = EF.CompileAsyncQuery((AppDbContext db, string id) =>
        db.Users.AsNoTracking().Where(u => u.Id == id).Select(u => new AccountState(u.SecurityStamp, u.LockoutEnd)).FirstOrDefault());

    public async Task<string?> RejectionAsync(ClaimsPrincipal principal, AppDbContext db)
    {
        var userId = principal.FindFirstValue("sub");
        if (userId is null) return "token has no subject";
        var state = await FindAccount(db, userId);
        if (state is null) return "the account no longer exists";
        if (state.Stamp == principal.FindFirstValue(TokenService.StampClaim)) return null;
        return state.LockoutEnd > clock.GetUtcNow() ? "the account is locked" : "the account changed since this token was issued; get a new token";
    }
}
