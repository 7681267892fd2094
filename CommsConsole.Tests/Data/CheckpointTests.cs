using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Data;

/// <summary>
/// The sweeper's checkpoint keeps the SQLite log from growing while writers never pause: as dispatch's workers write
/// without a break, with readers reading beside them.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "commsconsole-wal-" + Guid.NewGuid().ToString("N")[..8] + ".db");

    private AppDbContext Context() => new(new DbContextOptionsBuilder<AppDbContext>().UseSqlite($"Data Source={_file}").Options);

    [Fact]
    public async Task TheLog_StaysSmall_WhileThreeWritersAndTwoReadersNeverPause()
    {
        await using (var setup = Context())
        {
            await setup.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            await setup.Database.ExecuteSqlRawAsync("CREATE TABLE t (n INTEGER, pad TEXT)");
        }
        using var stop = new CancellationTokenSource();
        long written = 0;
        long largestLog = 0;

        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            await using var db = Context();
            await db.Database.OpenConnectionAsync();
            // As the app's connections: checkpoints are left to the sweeper.
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_autocheckpoint=0;");
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                await using var tx = await WriteTransaction.BeginBackgroundAsync(db.Database, CancellationToken.None);
                await db.Database.ExecuteSqlRawAsync(
                    "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 20) INSERT INTO t SELECT {0} + i, randomblob(1000) FROM k", n);
                await tx.CommitAsync(CancellationToken.None);
                n += 20;
                Interlocked.Add(ref written, 20 * 1_000);
            }
        })).ToList();
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(async () =>
        {
            await using var db = Context();
            // Short reads one after another, as the log page's queries are.
            while (!stop.IsCancellationRequested) await db.Database.SqlQueryRaw<long>("SELECT n AS \"Value\" FROM t ORDER BY rowid DESC LIMIT 1").ToListAsync();
        })).ToList();

        // Sweeps, while the writers write some 60 MB.
        await using (var sweeper = Context())
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (Interlocked.Read(ref written) < 60_000_000 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
                await sweeper.CheckpointAsync(CancellationToken.None);
                largestLog = Math.Max(largestLog, LogSize());
            }
        }
        stop.Cancel();
        await Task.WhenAll(writers.Concat(readers)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(Interlocked.Read(ref written) >= 60_000_000, $"the writers wrote only {Interlocked.Read(ref written):N0} bytes in a minute");
        // The writing between a few sweeps, not everything written (a checkpoint that never empties the log keeps about
        // nine tenths of it; a sweep can miss when a reader stays in the log through its tries, more often on a busy machine).
        Assert.True(largestLog < Interlocked.Read(ref written) / 4, $"the log grew to {largestLog:N0} bytes while {Interlocked.Read(ref written):N0} were written");
        await using var check = Context();
        Assert.Equal(Interlocked.Read(ref written) / 1_000, await check.Database.SqlQueryRaw<long>("SELECT COUNT(*) AS \"Value\" FROM t").SingleAsync());
    }

    private long LogSize() => File.Exists(_file + "-wal") ? new FileInfo(_file + "-wal").Length : 0;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _file, _file + "-wal", _file + "-shm" }) File.Delete(f);
    }
}
