using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Tenancy;

/// <summary>What a key is asked for: a name, an optional expiry and scopes, and (Admins only) the Integrator it is for.</summary>
public sealed record NewApiKey(string? Name, DateTimeOffset? ExpiresAt, IReadOnlyList<string>? Scopes, string? UserId = null);

/// <summary>A key as lists show it: never the key itself.</summary>
public sealed record ApiKeyView(
    long Id, string Name, string Prefix, string UserId, string OwnerEmail, IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt);

/// <summary>A key just created: the only time <see cref="Key"/> is known.</summary>
public sealed record CreatedApiKey(ApiKeyView View, string Key);

/// <summary>Who a key acts as, read from the database on every request.</summary>
public sealed record ApiKeyHolder(long KeyId, Caller Caller, string Email, IReadOnlyList<string> Scopes);

/// <summary>
/// API keys: created for oneself (or by an Admin for the tenant's Integrators), listed, revoked, and checked on each
/// request. Who may see and revoke which key is decided in <see cref="Manageable"/> only.
/// </summary>
public sealed class ApiKeyService(AppDbContext db, TimeProvider clock, ILogger<ApiKeyService> log)
{
    /// <summary>Last use is written at most this often per key, so a busy integration does not write on every request.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>How many keys one user may hold: enough for every integration, and a list of them fits one page.</summary>
    public const int MaxPerUser = PageSizes.Max;

    public async Task<Result<CreatedApiKey>> CreateAsync(NewApiKey request, Caller caller, CancellationToken ct)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > ApiKey.MaxName) return AppError.Validation($"name: required, at most {ApiKey.MaxName} characters");
        var now = clock.GetUtcNow();
        if (request.ExpiresAt is { } expires && expires <= now) return AppError.Validation("expires_at: must be in the future");
        var scopes = ApiKeyScopes.Parse(request.Scopes);
        if (!scopes.IsOk) return scopes.Error!;

        var ownerId = caller.UserId;
        var ownerEmail = await db.Users.Where(u => u.Id == caller.UserId).Select(u => u.Email).FirstOrDefaultAsync(ct);
        if (!string.IsNullOrEmpty(request.UserId) && request.UserId != caller.UserId)
        {
            if (!caller.IsAdmin) return AppError.Forbidden("user_id: only an Admin may create keys for another user");
            var owner = await db.Users.Where(u => u.Id == request.UserId && (caller.IsSystemAdmin || u.TenantId == caller.TenantId))
                .Select(u => new { u.Id, u.Email, u.Role }).FirstOrDefaultAsync(ct);
            if (owner is null) return AppError.NotFound($"user_id: no user '{request.UserId}'");
            if (owner.Role != Roles.Integrator) return AppError.Validation("user_id: keys are made for other users only when they are Integrators");
            (ownerId, ownerEmail) = (owner.Id, owner.Email);
        }
        var tenantId = await db.Users.Where(u => u.Id == ownerId).Select(u => u.TenantId).FirstAsync(ct);

        // The count and the insert are one step, so that keys created at once cannot pass the cap together: SQLite's write
        // turn orders this process's writers; PostgreSQL holds a lock per owner until the insert commits.
        await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        if (db.Database.IsNpgsql())
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"api-keys\n" + ownerId}, 0))", ct);
        if (await db.ApiKeys.CountAsync(k => k.UserId == ownerId, ct) >= MaxPerUser)
            return AppError.Conflict($"at most {MaxPerUser} API keys a user; revoke one first");

        var (key, prefix) = ApiKeyFormat.Generate();
        var row = new ApiKey
        {
            TenantId = tenantId, UserId = ownerId, CreatedBy = caller.UserId, Name = name, Prefix = prefix, Hash = ApiKeyFormat.Hash(key),
            Scopes = scopes.Value!.Count == 0 ? null : string.Join(' ', scopes.Value), CreatedAt = now, ExpiresAt = request.ExpiresAt,
        };
        db.ApiKeys.Add(row);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new CreatedApiKey(View(row, ownerEmail ?? ""), key);
    }

    /// <summary>The keys the caller may see and revoke, newest first.</summary>
    public async Task<IReadOnlyList<ApiKeyView>> ListAsync(Caller caller, CancellationToken ct)
    {
        var rows = await Manageable(caller)
            .Join(db.Users, k => k.UserId, u => u.Id, (k, u) => new { Key = k, u.Email })
            .OrderByDescending(x => x.Key.Id).Take(PageSizes.Max).ToListAsync(ct);
        return rows.Select(x => View(x.Key, x.Email ?? "")).ToList();
    }

    /// <summary>Deletes a key the caller may manage: from the next request on it is unknown. Another's key is not found, as a missing one.</summary>
    public async Task<Result<long>> RevokeAsync(long id, Caller caller, CancellationToken ct)
    {
        var deleted = await Manageable(caller).Where(k => k.Id == id).ExecuteDeleteAsync(ct);
        return deleted == 0 ? AppError.NotFound($"api key {id} not found") : id;
    }

    /// <summary>
    /// Whose keys a caller manages: their own; an Admin also those of the Integrators of its tenant, a SystemAdmin those of
    /// every Integrator.
    /// </summary>
    private IQueryable<ApiKey> Manageable(Caller caller) =>
        db.ApiKeys.InReachOf(caller).Where(k => k.UserId == caller.UserId
            || (caller.IsAdmin && db.Users.Any(u => u.Id == k.UserId && u.Role == Roles.Integrator)));

    /// <summary>
    /// The account a presented key acts as, with the owner's role and tenant as they are now (so locking or demoting the
    /// owner takes effect on the next request), or why it is refused.
    /// </summary>
    public async Task<Result<ApiKeyHolder>> AuthenticateAsync(string presented, CancellationToken ct)
    {
        if (!ApiKeyFormat.TryPrefix(presented, out var prefix)) return AppError.Unauthorized("malformed API key");
        var found = await db.ApiKeys.AsNoTracking().Where(k => k.Prefix == prefix)
            .Join(db.Users, k => k.UserId, u => u.Id, (k, u) => new
            {
                k.Id, k.Hash, k.Scopes, k.ExpiresAt, k.LastUsedAt, k.UserId, u.TenantId, u.Role, u.Email, u.LockoutEnd,
            })
            .FirstOrDefaultAsync(ct);
        // An unknown prefix and a wrong secret answer alike; the hash is compared in constant time.
        if (found is null || !CryptographicOperations.FixedTimeEquals(found.Hash, ApiKeyFormat.Hash(presented)))
            return AppError.Unauthorized("invalid API key");
        var now = clock.GetUtcNow();
        if (found.ExpiresAt <= now) return AppError.Unauthorized("the API key has expired");
        if (AccountLocks.IsLockedByAdmin(found.LockoutEnd)) return AppError.Unauthorized("the account is locked");

        if (found.LastUsedAt is null || found.LastUsedAt <= now - LastUsedResolution) await RecordUseAsync(found.Id, now, ct);
        return new ApiKeyHolder(found.Id, new Caller(found.UserId, found.TenantId, found.Role), found.Email ?? "", ApiKeyScopes.Split(found.Scopes));
    }

    // Conditional, so that of many requests arriving together with a stale time only the first writes; the others find
    // nothing to update. A failure to record a use must not refuse the use itself.
    private async Task RecordUseAsync(long id, DateTimeOffset now, CancellationToken ct)
    {
        var stale = now - LastUsedResolution;
        try
        {
            await db.ApiKeys.Where(k => k.Id == id && (k.LastUsedAt == null || k.LastUsedAt <= stale))
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), ct);
        }
        catch (DbException e)
        {
            log.LogWarning(e, "Could not record the use of API key {KeyId}", id);
        }
    }

    private static ApiKeyView View(ApiKey k, string ownerEmail) =>
        new(k.Id, k.Name, k.Prefix, k.UserId, ownerEmail, ApiKeyScopes.Split(k.Scopes), k.CreatedAt, k.ExpiresAt, k.LastUsedAt);
}

/// <summary>The shape of a key: <c>cc_&lt;prefix&gt;_&lt;secret&gt;</c>, both parts random.</summary>
public static class ApiKeyFormat
{
    public const string Start = "cc_";
    private const int PrefixLength = 10;
    private const int SecretLength = 40;
    private const string PrefixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    public static readonly int Length = Start.Length + PrefixLength + 1 + SecretLength;

    /// <summary>A new key (40 characters of 62, about 238 bits of secret) and its prefix.</summary>
    public static (string Key, string Prefix) Generate()
    {
        var prefix = RandomNumberGenerator.GetString(PrefixAlphabet, PrefixLength);
        return ($"{Start}{prefix}_{RandomNumberGenerator.GetString(SecretAlphabet, SecretLength)}", prefix);
    }

    /// <summary>
    /// SHA-256, not a password hash: the secret is random with over 200 bits, so no guess or dictionary can reach it
    /// and a slow hash would only add work to every request.
    /// </summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The prefix of a well-formed key; anything else (wrong length, characters, shape) is refused unread.</summary>
    public static bool TryPrefix(string presented, out string prefix)
    {
        prefix = "";
        if (presented.Length != Length || !presented.StartsWith(Start, StringComparison.Ordinal) || presented[Start.Length + PrefixLength] != '_') return false;
        var p = presented.AsSpan(Start.Length, PrefixLength);
        var s = presented.AsSpan(Start.Length + PrefixLength + 1);
        if (p.ContainsAnyExcept(PrefixAlphabet) || s.ContainsAnyExcept(SecretAlphabet)) return false;
        prefix = p.ToString();
        return true;
    }
}
