using System.Security.Claims;
using System.Security.Cryptography;
using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CommsConsole.Features.Tenancy;

public sealed class JwtOptions
{
    public const string Section = "Jwt";
    public const string Issuer = "commsconsole";
    /// <summary>Base64 signing key. When unset, one is generated once and kept in the database, so every node shares it.</summary>
    public string? SigningKey { get; set; }
    public int LifetimeMinutes { get; set; } = 60;
}

/// <summary>The JWT signing key, read once from configuration or the database.</summary>
public sealed class JwtKeyProvider(IServiceScopeFactory scopes, IOptions<JwtOptions> options)
{
    private const string SecretName = "jwt-signing-key";
    private readonly Lazy<SymmetricSecurityKey> _key = new(() => Load(scopes, options.Value));

    public SymmetricSecurityKey Key => _key.Value;

    private static SymmetricSecurityKey Load(IServiceScopeFactory scopes, JwtOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.SigningKey)) return new SymmetricSecurityKey(Convert.FromBase64String(options.SigningKey));
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var secret = db.AppSecrets.AsNoTracking().FirstOrDefault(s => s.Name == SecretName);
        if (secret is null)
        {
            db.AppSecrets.Add(new AppSecret { Name = SecretName, Value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)) });
            try
            {
                db.SaveChanges();
            }
            catch (DbUpdateException)
            {
                // Another node created it first; use theirs.
            }
            secret = db.AppSecrets.AsNoTracking().First(s => s.Name == SecretName);
        }
        return new SymmetricSecurityKey(Convert.FromBase64String(secret.Value));
    }
}

public sealed record IssuedToken(string AccessToken, int ExpiresIn);

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

    public async Task<string?> RejectionAsync(ClaimsPrincipal principal, AppDbContext db)
    {
        var userId = principal.FindFirstValue("sub");
        if (userId is null) return "token has no subject";
        var state = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new AccountState(u.SecurityStamp, u.LockoutEnd)).FirstOrDefaultAsync();
        if (state is null) return "the account no longer exists";
        if (state.Stamp == principal.FindFirstValue(TokenService.StampClaim)) return null;
        return state.LockoutEnd > clock.GetUtcNow() ? "the account is locked" : "the account changed since this token was issued; get a new token";
    }
}

public sealed class TokenService(
    PasswordSignIn passwords,
    JwtKeyProvider keys,
    IOptions<JwtOptions> options,
    TimeProvider clock)
{
    public const string StampClaim = "stamp";

    /// <summary>Checks the credentials (counting failures towards lockout) and issues a bearer token.</summary>
    public async Task<Result<IssuedToken>> IssueAsync(string? email, string? password)
    {
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
            return string.IsNullOrWhiteSpace(email) ? AppError.Validation("email: required") : AppError.Validation("password: required");
        var (check, user) = await passwords.CheckAsync(email, password);
        if (check.IsLockedOut)
            return AppError.Unauthorized("account locked after repeated failed sign-ins; try again later");
        if (!check.Succeeded || user is null) return AppError.Unauthorized("invalid email or password");

        var lifetime = TimeSpan.FromMinutes(options.Value.LifetimeMinutes);
        var now = clock.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = JwtOptions.Issuer,
            Audience = JwtOptions.Issuer,
            Subject = new ClaimsIdentity(
            [
                new Claim("sub", user.Id),
                new Claim("email", user.Email ?? ""),
                new Claim("role", user.Role),
                new Claim(Caller.TenantClaim, user.TenantId),
                new Claim(StampClaim, user.SecurityStamp ?? ""),
            ]),
            NotBefore = now,
            IssuedAt = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(keys.Key, SecurityAlgorithms.HmacSha256),
        };
        var token = new JsonWebTokenHandler().CreateToken(descriptor);
        return new IssuedToken(token, (int)lifetime.TotalSeconds);
    }
}
