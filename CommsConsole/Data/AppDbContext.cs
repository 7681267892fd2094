using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using CommsConsole.Data;

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
    public DbSet<Data.ProviderAccount> ProviderAccounts => Set<Data.ProviderAccount>();
    public DbSet<Data.TenantPolicy> TenantPolicies => Set<Data.TenantPolicy>();
    public DbSet<Data.SensitiveWord> SensitiveWords => Set<Data.SensitiveWord>();
    public DbSet<Data.Suppression> Suppressions => Set<Data.Suppression>();
    public DbSet<Data.InboundReply> InboundReplies => Set<Data.InboundReply>();
    public DbSet<Data.MessageDailyCount> MessageDailyCounts => Set<Data.MessageDailyCount>();
    public DbSet<SeenWebhookToken> SeenWebhookTokens => Set<SeenWebhookToken>();
    public DbSet<IdempotencyKey> IdempotencyKeys => Set<IdempotencyKey>();
    public DbSet<Contact> Contacts => Set<Contact>();
    public DbSet<ContactTag> ContactTags => Set<ContactTag>();
    public DbSet<ContactList> ContactLists => Set<ContactList>();
    public DbSet<ContactListMember> ContactListMembers => Set<ContactListMember>();
    public DbSet<ConsentEvent> ConsentEvents => Set<ConsentEvent>();
    public DbSet<Segment> Segments => Set<Segment>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<ContactImport> ContactImports => Set<ContactImport>();
    public DbSet<ContactImportError> ContactImportErrors => Set<ContactImportError>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<MessageEvent> MessageEvents => Set<MessageEvent>();
    public DbSet<Bounce> Bounces => Set<Bounce>();
    public DbSet<BounceSettings> BounceSettings => Set<BounceSettings>();
    public DbSet<Campaign> Campaigns => Set<Campaign>();
    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();
    /// <summary>ASP.NET Core data protection keys (cookies, stored provider secrets), shared by every node.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
        JsonAttributes.Register(builder);
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
