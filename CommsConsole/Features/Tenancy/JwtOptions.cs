namespace CommsConsole.Features.Tenancy;

public sealed class JwtOptions
{
    public const string Section = "Jwt";
    public const string Issuer = "commsconsole";
    /// <summary>Base64 signing key. When unset, one is generated once and kept in the database, so every node shares it.</summary>
    public string? SigningKey { get; set; }
    public int LifetimeMinutes { get; set; } = 60;
}
