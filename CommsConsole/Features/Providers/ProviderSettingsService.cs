using CommsConsole.Data;
using CommsConsole.Features.Security;
using CommsConsole.Features.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Providers;

/// <summary>An account as shown to admins: every setting, secrets masked (<see cref="ProviderSettingsService.Mask"/>).</summary>
public sealed record ProviderAccountView(string TenantId, Channel Channel, ProviderRole Role, string Kind, ProviderSettings Settings,
    DateTimeOffset UpdatedAt, string UpdatedBy);

/// <summary>
/// A tenant's provider accounts: which provider carries each channel, and which takes over while it is failing.
/// Admins manage their own tenant's, SystemAdmins any tenant's.
/// </summary>
public sealed class ProviderSettingsService(AppDbContext db, ProviderAccountFactory factory, TenantProviderResolver resolver, NetworkTargetGuard guard,
    TimeProvider clock)
{
    /// <summary>How SUBMAIL requests may be signed, the usual first.</summary>
    public static readonly IReadOnlyList<string> SignTypes = ["md5", "sha1", "normal"];

    /// <summary>How an SMTP connection may be secured, the usual first.</summary>
    public static readonly IReadOnlyList<string> SecurityModes = ["StartTls", "SslOnConnect", "Auto", "None"];

    /// <summary>
    /// What a setting left blank becomes, and what a new account starts with: the defaults of the installation's own
    /// accounts (<see cref="Submail.SubmailOptions"/>, <see cref="Smtp.SmtpOptions"/>).
    /// </summary>
    public static readonly ProviderSettings Defaults = DefaultSettings(new Submail.SubmailOptions(), new Smtp.SmtpOptions());

    private static ProviderSettings DefaultSettings(Submail.SubmailOptions submail, Smtp.SmtpOptions smtp) => new()
    {
        SignType = submail.SignType, BaseUrl = submail.BaseUrl,
        Port = smtp.Port, Security = smtp.Security, TimeoutSeconds = smtp.TimeoutSeconds,
    };

    public async Task<Result<List<ProviderAccountView>>> ListAsync(Caller caller, string? tenantId, CancellationToken ct)
    {
        var tenant = await TenantOfAsync(caller, tenantId, ct);
        if (!tenant.IsOk) return tenant.Error!;
        var accounts = await db.ProviderAccounts.AsNoTracking().Where(a => a.TenantId == tenant.Value)
            .OrderBy(a => a.Channel).ThenBy(a => a.Role).ToListAsync(ct);
        return accounts.Select(View).ToList();
    }

    public async Task<Result<ProviderAccountView>> SaveAsync(Caller caller, string? tenantId, Channel channel, ProviderRole role, string? kind,
        ProviderSettings input, CancellationToken ct)
    {
        var tenant = await TenantOfAsync(caller, tenantId, ct);
        if (!tenant.IsOk) return tenant.Error!;
        kind = kind?.Trim().ToLowerInvariant();
        var kinds = ProviderKinds.For(channel);
        if (string.IsNullOrEmpty(kind)) return AppError.Validation($"kind: required, one of {string.Join(", ", kinds)}");
        if (!kinds.Contains(kind)) return AppError.Validation($"kind: '{kind}' cannot carry {ErrorText.Term(channel.ToWire())}; use one of {string.Join(", ", kinds)}");

        var account = await db.ProviderAccounts.FirstOrDefaultAsync(a => a.TenantId == tenant.Value && a.Channel == channel && a.Role == role, ct);
        // A blank secret keeps the stored one, as long as the account stays of the same kind (and the app key or password
        // the same destination: SecretLeftBehind).
        var stored = new ProviderSecrets(null, null, null);
        var before = account is not null && account.Kind == kind ? ProviderAccountFactory.ReadSettings(account) : null;
        if (before is not null)
        {
            try { stored = factory.Unprotect(account!.ProtectedSecrets); }
            catch (System.Security.Cryptography.CryptographicException) { /* Unreadable: the admin enters them again. */ }
        }
        var settings = Normalize(kind, input, stored);
        var invalid = Validate(kind, settings)
            ?? (before is null ? null : SecretLeftBehind(kind, input, stored, settings, before))
            ?? await UnreachableDestinationAsync(kind, settings, ct);
        if (invalid is not null) return invalid;

        var now = clock.GetUtcNow();
        if (account is null)
        {
            account = new ProviderAccount { TenantId = tenant.Value!, Channel = channel, Role = role, Kind = kind, Settings = "{}", UpdatedBy = caller.UserId };
            db.ProviderAccounts.Add(account);
        }
        account.Kind = kind;
        account.Settings = System.Text.Json.JsonSerializer.Serialize(settings.WithoutSecrets());
        account.ProtectedSecrets = factory.Protect(ProviderSecrets.Of(settings));
        account.UpdatedAt = now > account.UpdatedAt ? now : account.UpdatedAt.AddTicks(1);
        account.UpdatedBy = caller.UserId;
        await db.SaveChangesAsync(ct);
        resolver.Forget(tenant.Value!);
        return View(account);
    }

    public async Task<Result<bool>> RemoveAsync(Caller caller, string? tenantId, Channel channel, ProviderRole role, CancellationToken ct)
    {
        var tenant = await TenantOfAsync(caller, tenantId, ct);
        if (!tenant.IsOk) return tenant.Error!;
        var removed = await db.ProviderAccounts.Where(a => a.TenantId == tenant.Value && a.Channel == channel && a.Role == role).ExecuteDeleteAsync(ct);
        resolver.Forget(tenant.Value!);
        return removed > 0 ? true : AppError.NotFound($"no {ErrorText.Term(role.ToString().ToLowerInvariant())} {ErrorText.Term(channel.ToWire())} provider is configured");
    }

    /// <summary>The SUBHOOK keys of a tenant's SUBMAIL accounts, to verify its delivery reports.</summary>
    public async Task<List<string>> SubhookKeysAsync(string tenantId, CancellationToken ct)
    {
        var accounts = await db.ProviderAccounts.AsNoTracking()
            .Where(a => a.TenantId == tenantId && a.Kind == ProviderKinds.Submail).ToListAsync(ct);
        var keys = new List<string>();
        foreach (var a in accounts)
        {
            try
            {
                if (factory.Unprotect(a.ProtectedSecrets).SubhookKey is { Length: > 0 } key) keys.Add(key);
            }
            catch (System.Security.Cryptography.CryptographicException) { /* Unreadable: reports cannot be verified with it. */ }
        }
        return keys;
    }

    /// <summary>Shows that a secret is set and its last four characters, never the rest.</summary>
    public static string? Mask(string? secret) => string.IsNullOrEmpty(secret) ? null
        : secret.Length >= 12 ? "••••" + secret[^4..] : "••••";

    private ProviderAccountView View(ProviderAccount a)
    {
        var settings = ProviderAccountFactory.ReadSettings(a);
        ProviderSecrets secrets;
        try { secrets = factory.Unprotect(a.ProtectedSecrets); }
        catch (System.Security.Cryptography.CryptographicException) { secrets = new ProviderSecrets(null, null, null); }
        settings = settings with { AppKey = Mask(secrets.AppKey), SubhookKey = Mask(secrets.SubhookKey), Password = Mask(secrets.Password) };
        return new ProviderAccountView(a.TenantId, a.Channel, a.Role, a.Kind, settings, a.UpdatedAt, a.UpdatedBy);
    }

    private async Task<Result<string>> TenantOfAsync(Caller caller, string? tenantId, CancellationToken ct)
    {
        if (!caller.IsAdmin) return AppError.Forbidden("only Admins manage provider settings");
        tenantId = string.IsNullOrWhiteSpace(tenantId) ? caller.TenantId : tenantId.Trim();
        if (tenantId != caller.TenantId && !caller.IsSystemAdmin) return AppError.Forbidden("an Admin manages only its own tenant's providers");
        if (!await db.Tenants.AnyAsync(t => t.Id == tenantId, ct)) return AppError.NotFound($"tenant_id: no tenant '{tenantId}'");
        return tenantId;
    }

    /// <summary>
    /// A stored app key or password is sent to the account's destination: left blank while the destination changes, it
    /// would follow it to a server of the caller's choosing, so it must be entered again.
    /// </summary>
    private static AppError? SecretLeftBehind(string kind, ProviderSettings input, ProviderSecrets stored, ProviderSettings settings, ProviderSettings before)
    {
        var (field, kept) = kind switch
        {
            ProviderKinds.Submail => ("app_key", Trimmed(input.AppKey) is null && stored.AppKey is not null),
            ProviderKinds.Smtp => ("password", string.IsNullOrEmpty(input.Password) && stored.Password is not null),
            _ => ("", false),
        };
        if (!kept || settings.DestinationChangedFrom(before) is not { } changed) return null;
        return AppError.Validation($"{field}: must be entered again because the destination changed ({changed}); a stored secret is only kept for the same destination");
    }

    /// <summary>The destination a tenant chose may not be inside the server's networks (checked again at every connection).</summary>
    private async Task<AppError?> UnreachableDestinationAsync(string kind, ProviderSettings s, CancellationToken ct)
    {
        var (field, host) = kind switch
        {
            ProviderKinds.Submail => ("base_url", new Uri(s.BaseUrl!).IdnHost),
            ProviderKinds.Smtp => ("host", s.Host!),
            _ => ("", null),
        };
        if (host is null || await guard.WhyRefusedAsync(host, ct) is not { } why) return null;
        return AppError.Validation($"{field}: refused: {why}");
    }

    private static string? Trimmed(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>Only the settings of the kind, trimmed, with stored secrets where none were given.</summary>
    private static ProviderSettings Normalize(string kind, ProviderSettings s, ProviderSecrets stored)
    {
        var common = new ProviderSettings { UnitPrice = s.UnitPrice, MessagesPerSecond = s.MessagesPerSecond, MaxConcurrency = s.MaxConcurrency };
        return kind switch
        {
            ProviderKinds.Submail => common with
            {
                AppId = Trimmed(s.AppId),
                AppKey = Trimmed(s.AppKey) ?? stored.AppKey,
                SignType = Trimmed(s.SignType)?.ToLowerInvariant() ?? Defaults.SignType,
                BaseUrl = Trimmed(s.BaseUrl)?.TrimEnd('/') ?? Defaults.BaseUrl,
                Signature = Trimmed(s.Signature),
                SubhookKey = Trimmed(s.SubhookKey) ?? stored.SubhookKey,
            },
            ProviderKinds.Smtp => common with
            {
                Host = Trimmed(s.Host),
                Port = s.Port ?? Defaults.Port,
                Security = SecurityModes.FirstOrDefault(m => m.Equals(Trimmed(s.Security) ?? Defaults.Security, StringComparison.OrdinalIgnoreCase)) ?? s.Security,
                UserName = Trimmed(s.UserName),
                Password = string.IsNullOrEmpty(s.Password) ? stored.Password : s.Password,
                FromAddress = Trimmed(s.FromAddress),
                FromName = Trimmed(s.FromName),
                TimeoutSeconds = s.TimeoutSeconds ?? Defaults.TimeoutSeconds,
            },
            _ => common,
        };
    }

    private static AppError? Validate(string kind, ProviderSettings s)
    {
        if (s.UnitPrice is < 0 or > 1000) return AppError.Validation("unit_price: must be between 0 and 1000");
        if (s.MessagesPerSecond is < 0 or > 100_000) return AppError.Validation("messages_per_second: must be between 0 (no limit) and 100000");
        if (s.MaxConcurrency is < 0 or > 1000) return AppError.Validation("max_concurrency: must be between 0 (no limit) and 1000");
        if (s.TooLong() is { } tooLong) return AppError.Validation(tooLong);
        switch (kind)
        {
            case ProviderKinds.Submail:
                if (s.AppId is null) return AppError.Validation("app_id: required for SUBMAIL");
                if (s.AppKey is null) return AppError.Validation("app_key: required for SUBMAIL");
                if (!SignTypes.Contains(s.SignType)) return AppError.Validation($"sign_type: '{s.SignType}' is not one of normal, md5, sha1");
                if (!Uri.TryCreate(s.BaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
                    return AppError.Validation("base_url: must be an absolute http(s) address, e.g. https://api-v4.mysubmail.com");
                if (s.Signature is not null && (!s.Signature.StartsWith('【') || !s.Signature.EndsWith('】') || s.Signature.Length < 3))
                    return AppError.Validation($"signature: must be written 【like this】, at most {ProviderSettings.Limits.Signature} characters");
                break;
            case ProviderKinds.Smtp:
                if (s.Host is null) return AppError.Validation("host: required for SMTP");
                if (Uri.CheckHostName(s.Host) == UriHostNameType.Unknown) return AppError.Validation("host: not a host name or an IP address");
                if (s.Port is < 1 or > 65535) return AppError.Validation("port: must be between 1 and 65535");
                if (!SecurityModes.Contains(s.Security)) return AppError.Validation($"security: '{s.Security}' is not one of None, StartTls, SslOnConnect, Auto");
                if (s.FromAddress is null || !MimeKit.MailboxAddress.TryParse(s.FromAddress, out var from) || from.Address != s.FromAddress || !s.FromAddress.Contains('@'))
                    return AppError.Validation("from_address: a valid sender address is required, e.g. news@example.com");
                if (s.TimeoutSeconds is < 1 or > 300) return AppError.Validation("timeout_seconds: must be between 1 and 300");
                break;
        }
        return null;
    }
}
