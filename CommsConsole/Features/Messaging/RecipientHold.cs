using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CommsConsole.Features.Messaging;

/// <summary>The locks under which a capped send (verification codes) counts its recipients' earlier messages and writes its own.</summary>
internal static class RecipientHold
{
    /// <summary>Above this many numbers a send holds its whole tenant rather than each number (PostgreSQL's lock table is finite).</summary>
    private const int MaxNumberLocks = 64;

    /// <summary>
    /// Opens the transaction in which a capped send counts what its recipients already received and writes its rows, so
    /// that two sends to one number cannot both see room under the cap.
    /// SQLite begins it <c>IMMEDIATE</c>: the database's single write lock, held until commit, orders every writer. PostgreSQL
    /// takes transaction-scoped advisory locks on each (tenant, number), in one order so that two sends cannot deadlock,
    /// with the tenant's own lock shared; a send to many numbers takes the tenant's lock alone, exclusively.
    /// </summary>
    public static async Task<WriteTransaction> BeginAsync(AppDbContext db, string tenantId, IReadOnlyCollection<string> recipients, CancellationToken ct)
    {
        var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        if (!db.Database.IsNpgsql()) return tx;
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = tx.Transaction.GetDbTransaction();
        var p = new CommandParameters(cmd);
        p.Set("tenant", LockKey(tenantId, null));
        if (recipients.Count > MaxNumberLocks)
        {
            cmd.CommandText = "SELECT pg_advisory_xact_lock(@tenant)";
        }
        else
        {
            cmd.CommandText = "SELECT pg_advisory_xact_lock_shared(@tenant); SELECT pg_advisory_xact_lock(k) FROM unnest(@numbers) WITH ORDINALITY AS t(k, i) ORDER BY i";
            p.Set("numbers", recipients.Select(r => LockKey(tenantId, r)).Distinct().Order().ToArray());
        }
        await cmd.ExecuteNonQueryAsync(ct);
        return tx;
    }

    private static long LockKey(string tenantId, string? recipient) =>
        System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("send-cap\n" + tenantId + "\n" + recipient)));
}
