using System.Security.Cryptography;
using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace CommsConsole.Features.Tenancy;

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
