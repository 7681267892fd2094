using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Data;

/// <summary>
/// The sweeper's checkpoint keeps the SQLite log from growing while writers never pause: as dispatch's workers write
/// without a break, with readers reading beside them.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly SqliteTestFile _file = new("wal");

    private AppDbContext Context() => _file.Context();

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

    [Fact]
    public async Task AReaderThatKeepsItsSnapshot_DoesNotHoldTheCheckpointOrTheWritersUp()
    {
        await using (var setup = Context())
        {
            await setup.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            await setup.Database.ExecuteSqlRawAsync("CREATE TABLE t (n INTEGER)");
            await setup.Database.ExecuteSqlRawAsync("INSERT INTO t VALUES (1)");
        }
        // A long export: its read transaction sees the log as it was, so the log cannot be emptied under it.
        await using var exporter = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_file.Path}");
        await exporter.OpenAsync();
        await using var reading = exporter.BeginTransaction(deferred: true);
        Assert.Equal(1L, Count(exporter));
        await using (var writer = Context())
        {
            await writer.Database.ExecuteSqlRawAsync("INSERT INTO t VALUES (2)");
        }

        // The truncating pass finds the reader still there: it gives up after its few tries rather than wait for it.
        var sweep = System.Diagnostics.Stopwatch.StartNew();
        await using (var sweeper = Context())
        {
            await sweeper.CheckpointAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.True(sweep.Elapsed < TimeSpan.FromSeconds(5), $"the checkpoint waited {sweep.Elapsed.TotalSeconds:F1} s for a reader");
        Assert.True(LogSize() > 0, "the log was emptied under a reader still reading it");

        // Writers go on meanwhile, and the reader still sees its snapshot.
        await using (var writer = Context())
        {
            await using var tx = await WriteTransaction.BeginAsync(writer.Database, CancellationToken.None);
            await writer.Database.ExecuteSqlRawAsync("INSERT INTO t VALUES (3)");
            await tx.CommitAsync(CancellationToken.None);
        }
        Assert.Equal(1L, Count(exporter));
        await reading.CommitAsync();

        // Once the reader is gone, the next sweep empties the log.
        await using (var sweeper = Context())
        {
            await sweeper.CheckpointAsync(CancellationToken.None);
        }
        Assert.Equal(0, LogSize());
        await using var check = Context();
        Assert.Equal(3, await check.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM t").SingleAsync());
    }

    private static long Count(Microsoft.Data.Sqlite.SqliteConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM t";
        return (long)cmd.ExecuteScalar()!;
    }

    private long LogSize() => File.Exists(_file.Path + "-wal") ? new FileInfo(_file.Path + "-wal").Length : 0;

    public void Dispose() => _file.Dispose();
}
