using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CommsConsole.Features.Messaging;

/// <summary><see cref="MessageLedger"/>'s writes to a <see cref="Batch"/>'s counts, inside the transaction of the transition that moved its rows.</summary>
internal sealed class BatchCountWriter(AppDbContext db)
{
    /// <summary>Sets batches' counts from their rows.</summary>
    public async Task RecountAsync(IReadOnlyCollection<long> batchIds, CancellationToken ct)
    {
        if (db.Database.IsNpgsql() && db.Database.CurrentTransaction is not null)
        {
            // Counted under the batches' row locks: a claim or completion on another node that has not committed yet
            // waits for them and then applies its increments on top of these counts, instead of being overwritten.
            var ids = batchIds.Order().ToArray();
            await db.Database.SqlQueryRaw<long>("""SELECT "Id" AS "Value" FROM "Batches" WHERE "Id" = ANY(@ids) ORDER BY "Id" FOR UPDATE""",
                new NpgsqlParameter<long[]>("ids", ids)).ToListAsync(ct);
        }
        var counts = await db.Messages.Where(m => batchIds.Contains(m.BatchId))
            .GroupBy(m => new { m.BatchId, m.Status })
            .Select(g => new { g.Key.BatchId, g.Key.Status, Count = g.Count() })
            .ToListAsync(ct);
        foreach (var batchId in batchIds)
        {
            var c = BatchCounts.Of(counts.Where(g => g.BatchId == batchId).Select(g => (g.Status, g.Count)));
            await db.Batches.Where(b => b.Id == batchId).ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Pending, c.Pending).SetProperty(b => b.Sending, c.Sending).SetProperty(b => b.Sent, c.Sent)
                .SetProperty(b => b.Delivered, c.Delivered).SetProperty(b => b.Failed, c.Failed).SetProperty(b => b.Cancelled, c.Cancelled)
                .SetProperty(b => b.Suppressed, c.Suppressed), ct);
        }
    }

    /// <summary>
    /// Adds a transition's change to a batch's counts in one statement, each count relative to its stored value (so that
    /// transitions committing at once on several nodes add up), and only the counts it changes.
    /// </summary>
    public Task ShiftAsync(long batchId, BatchCounts change, CancellationToken ct) => change == default ? Task.CompletedTask :
        db.Batches.Where(b => b.Id == batchId).ExecuteUpdateAsync(s =>
        {
            if (change.Pending != 0) s.SetProperty(b => b.Pending, b => b.Pending + change.Pending);
            if (change.Sending != 0) s.SetProperty(b => b.Sending, b => b.Sending + change.Sending);
            if (change.Sent != 0) s.SetProperty(b => b.Sent, b => b.Sent + change.Sent);
            if (change.Delivered != 0) s.SetProperty(b => b.Delivered, b => b.Delivered + change.Delivered);
            if (change.Failed != 0) s.SetProperty(b => b.Failed, b => b.Failed + change.Failed);
            if (change.Cancelled != 0) s.SetProperty(b => b.Cancelled, b => b.Cancelled + change.Cancelled);
            if (change.Suppressed != 0) s.SetProperty(b => b.Suppressed, b => b.Suppressed + change.Suppressed);
        }, ct);
}
