using CommsConsole.Features.Messaging;
using CommsConsole.Features.Templates;
using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CommsConsole.Data;

/// <summary>
/// The one context every service uses. On PostgreSQL the app runs <see cref="PostgresAppDbContext"/>, a subclass that only
/// exists so that each provider keeps its own migrations (EF Core's "migrations with multiple providers").
/// </summary>
public class AppDbContext : IdentityDbContext<ApplicationUser>, IDataProtectionKeyContext
{
    public AppDbContext(DbContextOptions<AppDbContext> options) : base(options) { }

    protected AppDbContext(DbContextOptions options) : base(options) { }

    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<MessageAttempt> MessageAttempts => Set<MessageAttempt>();
    public DbSet<Batch> Batches => Set<Batch>();
    public DbSet<Template> Templates => Set<Template>();
    public DbSet<AppSecret> AppSecrets => Set<AppSecret>();
    public DbSet<Features.Providers.ProviderAccount> ProviderAccounts => Set<Features.Providers.ProviderAccount>();
    public DbSet<Features.Compliance.TenantPolicy> TenantPolicies => Set<Features.Compliance.TenantPolicy>();
    public DbSet<Features.Compliance.SensitiveWord> SensitiveWords => Set<Features.Compliance.SensitiveWord>();
    public DbSet<Features.Compliance.Suppression> Suppressions => Set<Features.Compliance.Suppression>();
    public DbSet<Features.Compliance.InboundReply> InboundReplies => Set<Features.Compliance.InboundReply>();
    public DbSet<Features.Compliance.MessageDailyCount> MessageDailyCounts => Set<Features.Compliance.MessageDailyCount>();
    public DbSet<SeenWebhookToken> SeenWebhookTokens => Set<SeenWebhookToken>();
    /// <summary>ASP.NET Core data protection keys (cookies, stored provider secrets), shared by every node.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Instants are stored as UTC ticks: comparable and sortable in SQL on every provider
        // (SQLite cannot order or compare DateTimeOffset text columns).
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
        configurationBuilder.Properties<decimal>().HavePrecision(18, 4);
    }

    private sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks,
        v => new DateTimeOffset(v, TimeSpan.Zero));
}
