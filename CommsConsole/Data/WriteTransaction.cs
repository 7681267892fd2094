using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace CommsConsole.Data;

/// <summary>
/// A unit of work's write transaction: the caller's when one is already open (the work then commits or rolls back with
/// the caller's), else one of its own. Lets a write that is atomic on its own also be one step of a larger atomic write
/// (a capped send's check and insert; a delivery report's token and its effect).
/// <para>
/// On SQLite a transaction of its own first takes its turn at the file's one write lock in this process, asynchronously
/// and first come first served (see <see cref="SqliteWriteTurn"/>); PostgreSQL locks rows and needs no turn.
/// </para>
/// </summary>
public sealed class WriteTransaction : IAsyncDisposable
{
    private readonly bool _owned;
    private SemaphoreSlim? _turn;

    private WriteTransaction(IDbContextTransaction transaction, bool owned, SemaphoreSlim? turn) =>
        (Transaction, _owned, _turn) = (transaction, owned, turn);

    public IDbContextTransaction Transaction { get; }

    /// <summary>Joins the transaction open on <paramref name="database"/>, or begins one of its own.</summary>
    public static async Task<WriteTransaction> JoinOrBeginAsync(DatabaseFacade database, CancellationToken ct) =>
        database.CurrentTransaction is { } open ? new(open, owned: false, turn: null) : await BeginAsync(database, ct);

    /// <summary>Begins a transaction of its own, after this process's earlier writers to the same SQLite file.</summary>
    public static async Task<WriteTransaction> BeginAsync(DatabaseFacade database, CancellationToken ct)
    {
        var turn = await SqliteWriteTurn.TakeAsync(database, ct);
        try
        {
            return new(await database.BeginTransactionAsync(ct), owned: true, turn);
        }
        catch
        {
            turn?.Release();
            throw;
        }
    }

    /// <summary>Commits a transaction of its own; a joined one is committed by whoever opened it.</summary>
    public Task CommitAsync(CancellationToken ct) => _owned ? Transaction.CommitAsync(ct) : Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (!_owned) return;
        try
        {
            await Transaction.DisposeAsync();
        }
        finally
        {
            Interlocked.Exchange(ref _turn, null)?.Release();
        }
    }
}

/// <summary>
/// SQLite lets one transaction write a file at a time. Left to the driver, a writer that finds the file busy retries after
/// putting its thread to sleep (Microsoft.Data.Sqlite sleeps between retries until the command times out), so under load
/// a 10,000-row accept waited seconds behind dispatch's short claims and outcomes while thread-pool threads slept. The
/// writers of this process instead queue here, one semaphore per file, and the file's lock is free whenever their turn
/// comes. Another process writing the same file (not a supported set-up: several nodes need PostgreSQL) still meets the
/// driver's retries.
/// </summary>
public static class SqliteWriteTurn
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Turns = new(StringComparer.Ordinal);

    /// <summary>Waits for this process's turn to write the database's file; null (no wait) when it is not SQLite.</summary>
    public static async ValueTask<SemaphoreSlim?> TakeAsync(DatabaseFacade database, CancellationToken ct)
    {
        if (!database.IsSqlite()) return null;
        var turn = Turns.GetOrAdd(Path.GetFullPath(database.GetDbConnection().DataSource), _ => new SemaphoreSlim(1, 1));
        await turn.WaitAsync(ct);
        return turn;
    }
}
