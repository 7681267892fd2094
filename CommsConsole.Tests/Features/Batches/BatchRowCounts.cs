using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Batches;

/// <summary>The ledger's invariant, read from the database: a batch's counts equal its rows grouped by status.</summary>
public static class BatchRowCounts
{
    public sealed record Counts(int Total, int Pending, int Sending, int Sent, int Delivered, int Failed, int Cancelled, int Suppressed);

    public static Counts Of(Batch b) => new(b.Total, b.Pending, b.Sending, b.Sent, b.Delivered, b.Failed, b.Cancelled, b.Suppressed);

    /// <summary>The counts each batch should hold, counted from its rows.</summary>
    public static async Task<Dictionary<long, Counts>> FromRowsAsync(AppDbContext db, IReadOnlyCollection<long> batchIds)
    {
        var groups = await db.Messages.AsNoTracking().Where(m => batchIds.Contains(m.BatchId))
            .GroupBy(m => new { m.BatchId, m.Status })
            .Select(g => new { g.Key.BatchId, g.Key.Status, N = g.Count() })
            .ToListAsync();
        return batchIds.ToDictionary(id => id, id =>
        {
            int N(MessageStatus s) => groups.Where(g => g.BatchId == id && g.Status == s).Sum(g => g.N);
            return new Counts(groups.Where(g => g.BatchId == id).Sum(g => g.N), N(MessageStatus.Pending), N(MessageStatus.Sending),
                N(MessageStatus.Sent), N(MessageStatus.Delivered), N(MessageStatus.Failed), N(MessageStatus.Cancelled), N(MessageStatus.Suppressed));
        });
    }

    /// <summary>Fails, naming the batch and <paramref name="after"/>, when a batch's stored counts differ from its rows.</summary>
    public static async Task AssertMatchRowsAsync(AppDbContext db, IReadOnlyCollection<long> batchIds, string after)
    {
        var expected = await FromRowsAsync(db, batchIds);
        var stored = await db.Batches.AsNoTracking().Where(b => batchIds.Contains(b.Id)).ToListAsync();
        Assert.Equal(batchIds.Count, stored.Count);
        foreach (var batch in stored)
        {
            var actual = Of(batch);
            if (actual != expected[batch.Id])
                Assert.Fail($"after {after}: batch {batch.Id} counts {actual} but its rows are {expected[batch.Id]}");
        }
    }
}
