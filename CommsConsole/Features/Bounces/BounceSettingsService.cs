using CommsConsole.Data;
using CommsConsole.Features.Providers;
using CommsConsole.Features.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Bounces;

/// <summary>A tenant's bounce settings as an Admin edits them; a blank password keeps the stored one while the mailbox stays the same.</summary>
public sealed record BounceSettingsInput(string? Host, int? Port, string? Security, string? Protocol, string? UserName, string? Password, bool Enabled,
    int? SoftBounceLimit);

/// <summary>A tenant's bounce settings as shown: the password only masked, the limit in force, and how the last read went.</summary>
public sealed record BounceSettingsView(string TenantId, string? Host, int Port, string Security, string Protocol, string? UserName, string? Password,
    bool Enabled, int? SoftBounceLimit, int SoftBounceLimitInForce, int DefaultSoftBounceLimit, DateTimeOffset? LastReadAt, string? LastError, DateTimeOffset? LastErrorAt,
    DateTimeOffset? UpdatedAt);

/// <summary>
/// Bounce handling of a tenant, managed by its Admins (a SystemAdmin's for any tenant): the soft bounce limit and the
/// bounce mailbox. The mailbox's host obeys the network target rule when saved and again at every connection; its
/// password is kept encrypted with the provider accounts' secrets and never follows a changed destination.
/// </summary>
public sealed class BounceSettingsService(AppDbContext db, BounceMailboxReader reader, ProviderAccountFactory secrets, NetworkTargetGuard guard,
    IOptions<BounceOptions> options, TimeProvider clock)
{
    public const int MaxSoftBounceLimit = 100;

    /// <summary>How a mailbox connection may be secured, the usual first (as an SMTP account's).</summary>
    public static IReadOnlyList<string> SecurityModes => ProviderSettingsService.SecurityModes;

    public static IReadOnlyList<string> Protocols => MailboxSession.Protocols;

    /// <summary>The usual port of a protocol over a security mode.</summary>
    public static int DefaultPort(string? protocol, string? security) => (protocol, MailboxSession.SecurityOf(security)) switch
    {
        (MailboxSession.Imap, MailKit.Security.SecureSocketOptions.SslOnConnect) => 993,
        (MailboxSession.Imap, _) => 143,
        (_, MailKit.Security.SecureSocketOptions.SslOnConnect) => 995,
        _ => 110,
    };

    public async Task<Result<BounceSettingsView>> GetAsync(Caller caller, string? tenantId, CancellationToken ct)
    {
        var tenant = await TenantOfAsync(caller, tenantId, ct);
        if (!tenant.IsOk) return tenant.Error!;
        var row = await db.BounceSettings.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == tenant.Value, ct);
        return View(row ?? new BounceSettings { TenantId = tenant.Value!, Port = DefaultPort(null, null) });
    }

    public async Task<Result<BounceSettingsView>> SaveAsync(Caller caller, string? tenantId, BounceSettingsInput input, CancellationToken ct)
    {
        var tenant = await TenantOfAsync(caller, tenantId, ct);
        if (!tenant.IsOk) return tenant.Error!;
        var host = Trimmed(input.Host);
        var protocol = Trimmed(input.Protocol)?.ToLowerInvariant() ?? MailboxSession.Pop3;
        var security = SecurityModes.FirstOrDefault(m => m.Equals(Trimmed(input.Security) ?? "SslOnConnect", StringComparison.OrdinalIgnoreCase));
        var userName = Trimmed(input.UserName);
        var port = input.Port ?? DefaultPort(protocol, security);

        if (input.SoftBounceLimit is < 1 or > MaxSoftBounceLimit)
            return AppError.Validation($"soft_bounce_limit: must be between 1 and {MaxSoftBounceLimit}");
        if (!Protocols.Contains(protocol)) return AppError.Validation($"protocol: '{Phones.Echo(protocol)}' is not one of pop3, imap");
        if (security is null) return AppError.Validation($"security: '{Phones.Echo(input.Security ?? "")}' is not one of None, StartTls, SslOnConnect, Auto");
        if (host is { Length: > BounceSettings.MaxHost }) return AppError.Validation($"mailbox_host: at most {BounceSettings.MaxHost} characters");
        if (host is not null && Uri.CheckHostName(host) == UriHostNameType.Unknown) return AppError.Validation("mailbox_host: not a host name or an IP address");
        if (host is null && input.Enabled) return AppError.Validation("mailbox_host: required to read a bounce mailbox");
        if (port is < 1 or > 65535) return AppError.Validation("mailbox_port: must be between 1 and 65535");
        if (userName is { Length: > BounceSettings.MaxUserName }) return AppError.Validation($"user_name: at most {BounceSettings.MaxUserName} characters");
        if (input.Password is { Length: > BounceSettings.MaxPassword }) return AppError.Validation($"password: at most {BounceSettings.MaxPassword} characters");

        var row = await db.BounceSettings.FirstOrDefaultAsync(s => s.TenantId == tenant.Value, ct);
        string? storedPassword = null;
        if (row?.ProtectedPassword is not null)
        {
            try { storedPassword = secrets.Unprotect(row.ProtectedPassword).Password; }
            catch (System.Security.Cryptography.CryptographicException) { /* Unreadable: the admin enters it again. */ }
        }
        var password = string.IsNullOrEmpty(input.Password) ? storedPassword : input.Password;
        // The stored password is sent to the mailbox's server: left blank while that changes, it would follow the
        // destination to a server of the caller's choosing.
        if (string.IsNullOrEmpty(input.Password) && storedPassword is not null && row is not null
            && DestinationChanged(row, host, port, protocol, security, userName) is { } changed)
            return AppError.Validation($"password: must be entered again because the destination changed ({changed}); a stored secret is only kept for the same destination");
        if (host is not null && await guard.WhyRefusedAsync(host, ct) is { } why) return AppError.Validation($"mailbox_host: refused: {why}");

        var now = clock.GetUtcNow();
        if (row is null)
        {
            row = new BounceSettings { TenantId = tenant.Value! };
            db.BounceSettings.Add(row);
        }
        row.Host = host;
        row.Port = port;
        row.Protocol = protocol;
        row.Security = security;
        row.UserName = userName;
        row.ProtectedPassword = secrets.Protect(new ProviderSecrets(null, null, password));
        row.Enabled = input.Enabled && host is not null;
        row.SoftBounceLimit = input.SoftBounceLimit;
        row.UpdatedAt = now;
        row.UpdatedBy = caller.UserId;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return AppError.Conflict("the bounce settings were saved by someone else at the same moment; load them again");
        }
        return View(row);
    }

    /// <summary>Connects to the saved mailbox and signs in, reading nothing; answers how many messages wait there.</summary>
    public async Task<Result<int>> TestAsync(Caller caller, string? tenantId, CancellationToken ct)
    {
        var tenant = await TenantOfAsync(caller, tenantId, ct);
        if (!tenant.IsOk) return tenant.Error!;
        var row = await db.BounceSettings.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == tenant.Value, ct);
        if (row?.Host is null) return AppError.Validation("mailbox_host: no bounce mailbox is saved yet");
        return await reader.TestAsync(row, ct);
    }

    private static string? DestinationChanged(BounceSettings before, string? host, int port, string protocol, string security, string? userName) =>
        !string.Equals(before.Host, host, StringComparison.OrdinalIgnoreCase) ? "mailbox_host"
        : before.Port != port ? "mailbox_port"
        : before.Protocol != protocol ? "protocol"
        : before.Security != security ? "security"
        : before.UserName != userName ? "user_name"
        : null;

    private BounceSettingsView View(BounceSettings s)
    {
        string? masked = null;
        try { masked = ProviderSettingsService.Mask(secrets.Unprotect(s.ProtectedPassword).Password); }
        catch (System.Security.Cryptography.CryptographicException) { /* Unreadable: shown as not set. */ }
        return new BounceSettingsView(s.TenantId, s.Host, s.Port, s.Security, s.Protocol, s.UserName, masked, s.Enabled, s.SoftBounceLimit,
            s.SoftBounceLimit ?? Math.Max(1, options.Value.SoftBounceLimit), Math.Max(1, options.Value.SoftBounceLimit), s.LastReadAt, s.LastError, s.LastErrorAt,
            s.UpdatedAt == default ? null : s.UpdatedAt);
    }

    private async Task<Result<string>> TenantOfAsync(Caller caller, string? tenantId, CancellationToken ct)
    {
        if (!caller.IsAdmin) return AppError.Forbidden("only Admins manage bounce settings");
        tenantId = string.IsNullOrWhiteSpace(tenantId) ? caller.TenantId : tenantId.Trim();
        if (tenantId != caller.TenantId && !caller.IsSystemAdmin) return AppError.Forbidden("an Admin manages only its own tenant's bounce settings");
        if (!await db.Tenants.AnyAsync(t => t.Id == tenantId, ct)) return AppError.NotFound($"tenant_id: no tenant '{tenantId}'");
        return tenantId;
    }

    private static string? Trimmed(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
