using CommsConsole.Data;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Api;

public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";
    /// <summary>How long a key and its stored answer are kept: within it the same key replays, after it the key is new.</summary>
    public double KeyHours { get; set; } = 24;
    /// <summary>When keys past <see cref="KeyHours"/> are deleted (a cron expression, UTC); lookups ignore them before that.</summary>
    public string PurgeCron { get; set; } = "17 * * * *";
}

/// <summary>What became of an attempt to take an idempotency key for a request.</summary>
public abstract record IdempotencyClaim
{
    /// <summary>The key was free: this request runs, and its answer is stored or the key released.</summary>
    public sealed record Taken : IdempotencyClaim;
    /// <summary>The same request ran before and its answer is stored.</summary>
    public sealed record Done(int StatusCode, string? ContentType, byte[] Body) : IdempotencyClaim;
    /// <summary>The same request is running now.</summary>
    public sealed record Running : IdempotencyClaim;
    /// <summary>The key was sent before with another request.</summary>
    public sealed record OtherRequest : IdempotencyClaim;
}

/// <summary>
/// Idempotency keys in the database, so that they hold across nodes and restarts. Taking a key is one insert that does
/// nothing when the key exists: the primary key (tenant, user, key) is the lock, so of two nodes running the same request
/// at once exactly one takes it.
/// </summary>
public sealed class IdempotencyStore(IDbContextFactory<AppDbContext> contexts, TimeProvider clock, IOptions<IdempotencyOptions> options)
{
    private TimeSpan Lifetime => TimeSpan.FromHours(options.Value.KeyHours);

    public async Task<IdempotencyClaim> ClaimAsync(string tenantId, string userId, string key, string requestHash, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        // A key released or expired between the insert and the read is tried again; a third loss is answered as running.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var now = clock.GetUtcNow();
            var taken = await WriteAsync(db, () => db.Database.ExecuteSqlAsync($"""
                INSERT INTO "IdempotencyKeys" ("TenantId","UserId","Key","RequestHash","Completed","CreatedAt")
                VALUES ({tenantId},{userId},{key},{requestHash},{false},{now.UtcTicks})
                ON CONFLICT ("TenantId","UserId","Key") DO NOTHING
                """, ct), ct);
            if (taken == 1) return new IdempotencyClaim.Taken();

            var found = await db.IdempotencyKeys.AsNoTracking()
                .Where(k => k.TenantId == tenantId && k.UserId == userId && k.Key == key).FirstOrDefaultAsync(ct);
            if (found is null) continue;
            if (found.CreatedAt <= now - Lifetime)
            {
                // Past its lifetime the key is new: delete that old row (only it, should another node have renewed it meanwhile).
                var createdAt = found.CreatedAt;
                await WriteAsync(db, () => db.IdempotencyKeys
                    .Where(k => k.TenantId == tenantId && k.UserId == userId && k.Key == key && k.CreatedAt == createdAt)
                    .ExecuteDeleteAsync(ct), ct);
                continue;
            }
            if (found.RequestHash != requestHash) return new IdempotencyClaim.OtherRequest();
            return found.Completed ? new IdempotencyClaim.Done(found.StatusCode ?? StatusCodes.Status200OK, found.ContentType, found.Body ?? []) : new IdempotencyClaim.Running();
        }
        return new IdempotencyClaim.Running();
    }

    /// <summary>Stores the answer of the request that took the key; later requests with it replay this answer.</summary>
    public async Task CompleteAsync(string tenantId, string userId, string key, int statusCode, string? contentType, byte[] body, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await WriteAsync(db, () => db.IdempotencyKeys
            .Where(k => k.TenantId == tenantId && k.UserId == userId && k.Key == key && !k.Completed)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.Completed, true).SetProperty(k => k.StatusCode, statusCode)
                .SetProperty(k => k.ContentType, contentType).SetProperty(k => k.Body, body), ct), ct);
    }

    /// <summary>Frees the key of a request that sent nothing (refused, failed or thrown), so that the same key can run it again.</summary>
    public async Task ReleaseAsync(string tenantId, string userId, string key, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await WriteAsync(db, () => db.IdempotencyKeys
            .Where(k => k.TenantId == tenantId && k.UserId == userId && k.Key == key && !k.Completed)
            .ExecuteDeleteAsync(ct), ct);
    }

    /// <summary>Deletes keys past their lifetime.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var before = clock.GetUtcNow() - Lifetime;
        var purged = 0;
        int n;
        do
        {
            // In chunks, so that a large purge never holds SQLite's write lock for long.
            n = await WriteAsync(db, () => db.IdempotencyKeys
                .Where(k => db.IdempotencyKeys.Where(o => o.CreatedAt <= before).OrderBy(o => o.CreatedAt).Take(1_000)
                    .Any(o => o.TenantId == k.TenantId && o.UserId == k.UserId && o.Key == k.Key))
                .ExecuteDeleteAsync(ct), ct, background: true);
            purged += n;
        } while (n > 0 && !ct.IsCancellationRequested);
        return purged;
    }

    private static async Task<int> WriteAsync(AppDbContext db, Func<Task<int>> write, CancellationToken ct, bool background = false)
    {
        await using var tx = background ? await WriteTransaction.BeginBackgroundAsync(db.Database, ct) : await WriteTransaction.BeginAsync(db.Database, ct);
        var n = await write();
        await tx.CommitAsync(ct);
        return n;
    }
}

/// <summary>Deletes idempotency keys past their lifetime. Safe to run twice.</summary>
[AutomaticRetry(Attempts = 1)]
public sealed class IdempotencyPurgeJob(IdempotencyStore store)
{
    public const string RecurringId = "idempotency-keys-purge";

    [System.ComponentModel.DisplayName("Purge expired idempotency keys")]
    public Task<int> RunAsync(CancellationToken ct) => store.PurgeAsync(ct);
}
