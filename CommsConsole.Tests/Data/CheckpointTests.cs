using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Data;

/// <summary>
/// The sweeper's checkpoint keeps the SQLite log from growing while writers never pause (as dispatch's workers write
/// without a break, with readers reading beside them), and empties it once they stop.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly SqliteTestFile _file = new("wal");

    private AppDbContext Context() => _file.Context();

    [Fact]
    public async Task TheLog_StartsAgainFromItsTop_WhileThreeWritersAndTwoReadersNeverPause_AndIsEmptiedWhenTheyStop()
    {
        await using (var setup = Context())
        {
            await setup.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            await setup.Database.ExecuteSqlRawAsync("CREATE TABLE t (n INTEGER, pad TEXT)");
        }
        using var stop = new CancellationTokenSource();
        long written = 0;

        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            await using var db = Context();
            await db.Database.OpenConnectionAsync();
            // As the app's connections: checkpoints are left to the sweeper, and no writer cuts the log file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=-1;");
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

        // Sweeps, while the writers write some 60 MB and the log starts again a few times. The writers always wait for the turn, so no sweep cuts the file:
        // each lets the next writer start the log again from its top, which SQLite counts in the log's header.
        var startedAgain = 0L;
        await using (var sweeper = Context())
        {
            var first = LogStarts();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((Interlocked.Read(ref written) < 60_000_000 || startedAgain < 3) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
                await sweeper.CheckpointAsync(CancellationToken.None);
                startedAgain = LogStarts() - first;
            }
        }
        var logWhileWriting = LogSize();
        stop.Cancel();
        await Task.WhenAll(writers.Concat(readers)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(Interlocked.Read(ref written) >= 60_000_000, $"the writers wrote only {Interlocked.Read(ref written):N0} bytes in a minute");
        // A log that is never started again holds everything written (6.7 GB over a million-row drain); a sweep can miss
        // when a reader stays in the log through its tries, more often on a busy machine.
        Assert.True(startedAgain >= 3, $"the log started again from its top {startedAgain} times while {Interlocked.Read(ref written):N0} bytes were written");
        Assert.True(logWhileWriting > 0, "the log file was cut while writers were waiting for their turn");

        // The writers have stopped: the next sweep empties the file.
        await using (var sweeper = Context())
        {
            await sweeper.CheckpointAsync(CancellationToken.None);
        }
        Assert.Equal(0, LogSize());
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

    /// <summary>
    /// The log header's checkpoint sequence number (bytes 12–15, big-endian): SQLite adds one each time the log starts
    /// again from its top.
    /// </summary>
    private long LogStarts()
    {
        using var log = new FileStream(_file.Path + "-wal", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> header = stackalloc byte[16];
        log.ReadExactly(header);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header[12..]);
    }

    public void Dispose() => _file.Dispose();
}
