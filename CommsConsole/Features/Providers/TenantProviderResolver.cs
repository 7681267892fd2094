using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using CommsConsole.Data;
using CommsConsole.Features.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Providers;

/// <summary>
/// Turns a tenant's provider accounts into the provider that carries its messages: the primary (or the installation's
/// provider when the tenant has none), behind a circuit breaker and a failover when a fallback is configured. What it
/// builds lives as long as the accounts do not change, so rate limits and circuit state span every chunk.
/// </summary>
public sealed class ProviderAccountFactory(
    InstallationProviders installation,
    SimulatedProvider simulated,
    IHttpClientFactory http,
    TimeProvider clock,
    IOptions<CircuitOptions> circuit,
    IDataProtectionProvider protection,
    NetworkTargetGuard guard,
    ILoggerFactory loggers)
{
    /// <summary>The HttpClient of the installation's SUBMAIL (configuration, trusted).</summary>
    public const string SubmailHttpClient = "submail";
    /// <summary>The HttpClient of tenants' SUBMAIL accounts: it connects only where the network target guard allows.</summary>
    public const string TenantSubmailHttpClient = "submail-tenant";
    private const string SecretsPurpose = "CommsConsole.Providers.Secrets.v1";

    private readonly IDataProtector _protector = protection.CreateProtector(SecretsPurpose);
    private readonly ConcurrentDictionary<(string TenantId, Channel Channel), (string Version, IMessageProvider Provider)> _routes = new();
    private readonly ILogger _logger = loggers.CreateLogger<FailoverProvider>();

    public string? Protect(ProviderSecrets secrets) =>
        secrets is { AppKey: null, SubhookKey: null, Password: null } ? null : _protector.Protect(JsonSerializer.Serialize(secrets));

    /// <summary>The stored secrets; throws <see cref="CryptographicException"/> when the keys that encrypted them are gone.</summary>
    public ProviderSecrets Unprotect(string? protectedSecrets) =>
        protectedSecrets is null ? new ProviderSecrets(null, null, null) : JsonSerializer.Deserialize<ProviderSecrets>(_protector.Unprotect(protectedSecrets))!;

    public static ProviderSettings ReadSettings(ProviderAccount account) =>
        JsonSerializer.Deserialize<ProviderSettings>(account.Settings) ?? new ProviderSettings();

    /// <summary>The account's settings with its secrets, for building a provider (never for showing).</summary>
    public ProviderSettings ReadWithSecrets(ProviderAccount account)
    {
        var secrets = Unprotect(account.ProtectedSecrets);
        return ReadSettings(account) with { AppKey = secrets.AppKey, SubhookKey = secrets.SubhookKey, Password = secrets.Password };
    }

    public IMessageProvider Route(string tenantId, Channel channel, IReadOnlyList<ProviderAccount> accounts)
    {
        var primary = accounts.FirstOrDefault(a => a.Role == ProviderRole.Primary);
        var fallback = accounts.FirstOrDefault(a => a.Role == ProviderRole.Fallback);
        var version = $"{Version(primary)}|{Version(fallback)}";
        var key = (tenantId, channel);
        if (_routes.TryGetValue(key, out var known) && known.Version == version) return known.Provider;

        var route = primary is null ? installation.For(channel) : Build(primary);
        if (fallback is not null)
        {
            route = new FailoverProvider(new CircuitBreakingProvider(route, circuit.Value, clock), Build(fallback), _logger);
        }
        _routes[key] = (version, route);
        return route;
    }

    private static string Version(ProviderAccount? a) => a is null ? "-" : $"{a.Id}@{a.UpdatedAt.UtcTicks}";

    private IMessageProvider Build(ProviderAccount account)
    {
        ProviderSettings s;
        try
        {
            s = ReadWithSecrets(account);
        }
        catch (CryptographicException)
        {
            return new UnusableProvider(account.Kind, "the secrets of this provider account can no longer be decrypted; enter them again under Providers");
        }
        IMessageProvider provider = account.Kind switch
        {
            ProviderKinds.Submail => new Submail.SubmailProvider(http.CreateClient(TenantSubmailHttpClient), ToSubmail(s), clock),
            ProviderKinds.Smtp => new Smtp.SmtpProvider(ToSmtp(s), guard.ConnectAsync),
            _ => simulated,
        };
        return InstallationProviders.Throttled(provider, new ThrottleOptions
        {
            MessagesPerSecond = s.MessagesPerSecond ?? 0,
            MaxConcurrency = s.MaxConcurrency ?? 0,
        });
    }

    public static Submail.SubmailOptions ToSubmail(ProviderSettings s)
    {
        var defaults = new Submail.SubmailOptions();
        return new Submail.SubmailOptions
        {
            AppId = s.AppId ?? "",
            AppKey = s.AppKey ?? "",
            SignType = s.SignType ?? defaults.SignType,
            BaseUrl = s.BaseUrl ?? defaults.BaseUrl,
            Signature = s.Signature ?? "",
            SubhookKey = s.SubhookKey ?? "",
            UnitPrice = s.UnitPrice ?? defaults.UnitPrice,
        };
    }

    public static Smtp.SmtpOptions ToSmtp(ProviderSettings s)
    {
        var defaults = new Smtp.SmtpOptions();
        return new Smtp.SmtpOptions
        {
            Host = s.Host ?? "",
            Port = s.Port ?? defaults.Port,
            Security = s.Security ?? defaults.Security,
            UserName = s.UserName,
            Password = s.Password,
            FromAddress = s.FromAddress ?? "",
            FromName = s.FromName,
            UnitPrice = s.UnitPrice ?? defaults.UnitPrice,
            TimeoutSeconds = s.TimeoutSeconds ?? defaults.TimeoutSeconds,
        };
    }

    /// <summary>An account that cannot be used until an admin fixes it: every message fails transiently with the reason.</summary>
    private sealed class UnusableProvider(string name, string reason) : IMessageProvider
    {
        public string Name => name;
        public decimal UnitPrice => 0m;
        public bool Supports(Channel channel) => true;
        public Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<SendResult>>(messages.Select(m => SendResult.Transient(m.Id, reason)).ToList());
    }
}

/// <summary>
/// The provider of a tenant's channel, read from its accounts at most every few seconds per node (so a change made on
/// another node applies within that time; a change made here applies at once).
/// </summary>
public sealed class TenantProviderResolver(IDbContextFactory<AppDbContext> dbs, ProviderAccountFactory factory, IMemoryCache cache) : IProviderResolver
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(5);

    public async ValueTask<IMessageProvider> ResolveAsync(string tenantId, Channel channel, CancellationToken ct)
    {
        var key = CacheKey(tenantId, channel);
        if (cache.TryGetValue(key, out IMessageProvider? provider) && provider is not null) return provider;
        await using var db = await dbs.CreateDbContextAsync(ct);
        var accounts = await db.ProviderAccounts.AsNoTracking().Where(a => a.TenantId == tenantId && a.Channel == channel).ToListAsync(ct);
        provider = factory.Route(tenantId, channel, accounts);
        cache.Set(key, provider, Fresh);
        return provider;
    }

    public void Forget(string tenantId)
    {
        cache.Remove(CacheKey(tenantId, Channel.Sms));
        cache.Remove(CacheKey(tenantId, Channel.Email));
    }

    private static (Type, string, Channel) CacheKey(string tenantId, Channel channel) => (typeof(TenantProviderResolver), tenantId, channel);
}
