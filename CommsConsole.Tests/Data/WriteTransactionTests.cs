using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Data;

/// <summary>
/// The SQLite write turn: writers of one process take the file's write lock one after another, a turn is given back
/// however the transaction ends, and a writer that gives up waiting takes no turn.
/// </summary>
public sealed class WriteTransactionTests : IDisposable
{
    private readonly SqliteTestFile _file = new("turn");

    private AppDbContext Context() => _file.Context();

    [Fact]
    public async Task ASecondWriter_WaitsForTheFirst_AndGoesWhenItCommits()
    {
        await using var a = Context();
        await using var b = Context();
        var first = await WriteTransaction.BeginAsync(a.Database, CancellationToken.None);
        var second = WriteTransaction.BeginAsync(b.Database, CancellationToken.None);
        await Task.Delay(100);
        Assert.False(second.IsCompleted, "the second writer must wait for the first");
        await first.CommitAsync(CancellationToken.None);
        await first.DisposeAsync();
        await using var running = await second.WaitAsync(TimeSpan.FromSeconds(10));
        await running.CommitAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ATransactionDisposedWithoutCommit_GivesItsTurnBack()
    {
        await using var a = Context();
        await using var b = Context();
        await using (await WriteTransaction.BeginAsync(a.Database, CancellationToken.None))
        {
            // An exception between begin and commit ends here: rolled back, turn given back.
        }
        await using var next = await WriteTransaction.BeginAsync(b.Database, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AWriterThatGivesUpWaiting_TakesNoTurn()
    {
        await using var a = Context();
        await using var b = Context();
        await using var c = Context();
        var first = await WriteTransaction.BeginAsync(a.Database, CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WriteTransaction.BeginAsync(b.Database, cancel.Token));
        await first.DisposeAsync();
        await using var next = await WriteTransaction.BeginAsync(c.Database, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ARequestsWriter_GoesBeforeABackgroundWriterThatWaitedLonger()
    {
        var order = await GrantOrderAsync(["background", "request"]);
        Assert.Equal(["request", "background"], order);
    }

    [Fact]
    public async Task ABackgroundWriter_WaitsForAtMostFourRequestsInARow()
    {
        var order = await GrantOrderAsync(["background", "r1", "r2", "r3", "r4", "r5", "r6"]);
        Assert.Equal(["r1", "r2", "r3", "r4", "background", "r5", "r6"], order);
    }

    [Fact]
    public async Task BackgroundWriters_KeepTheirOrder_WhenNoRequestWaits()
    {
        var order = await GrantOrderAsync(["background 1", "background 2", "background 3"]);
        Assert.Equal(["background 1", "background 2", "background 3"], order);
    }

    /// <summary>
    /// While one writer holds the turn, the named writers queue in the given order (a name starting "background" asks as
    /// background work); then the holder commits. Returns the order in which they were given the turn.
    /// </summary>
    private async Task<List<string>> GrantOrderAsync(string[] writers)
    {
        await using var holderDb = Context();
        var holder = await WriteTransaction.BeginAsync(holderDb.Database, CancellationToken.None);
        var order = new List<string>();
        var contexts = writers.Select(_ => Context()).ToList();
        // Each queues before its call returns: the wait begins synchronously.
        var waiting = writers.Select((name, i) => Granted(name, name.StartsWith("background")
            ? WriteTransaction.BeginBackgroundAsync(contexts[i].Database, CancellationToken.None)
            : WriteTransaction.BeginAsync(contexts[i].Database, CancellationToken.None))).ToList();
        await holder.CommitAsync(CancellationToken.None);
        await holder.DisposeAsync();
        await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var c in contexts) await c.DisposeAsync();
        return order;

        async Task Granted(string name, Task<WriteTransaction> turn)
        {
            await using var tx = await turn;
            lock (order) order.Add(name);
            await tx.CommitAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task TwentyWritersAtOnce_EachCommits_OneAtATime()
    {
        await using (var setup = Context())
        {
            await setup.Database.ExecuteSqlRawAsync("CREATE TABLE t (n INTEGER)");
        }
        var inside = 0;
        var most = 0;
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            await using var db = Context();
            await using var tx = i % 2 == 0
                ? await WriteTransaction.BeginAsync(db.Database, CancellationToken.None)
                : await WriteTransaction.BeginBackgroundAsync(db.Database, CancellationToken.None);
            var now = Interlocked.Increment(ref inside);
            InterlockedMax(ref most, now);
            await db.Database.ExecuteSqlRawAsync("INSERT INTO t VALUES ({0})", i);
            await Task.Yield();
            Interlocked.Decrement(ref inside);
            await tx.CommitAsync(CancellationToken.None);
        }));
        await using var check = Context();
        Assert.Equal(20, await check.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM t").SingleAsync());
        Assert.Equal(1, most);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    public void Dispose() => _file.Dispose();
}
