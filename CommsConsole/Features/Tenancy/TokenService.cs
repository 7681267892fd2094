using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CommsConsole.Features.Tenancy;

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
