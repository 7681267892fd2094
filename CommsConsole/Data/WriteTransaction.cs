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
/// On SQLite a transaction of its own first takes its turn at the file's one write lock in this process, asynchronously,
/// requests before background work (see <see cref="SqliteWriteTurn"/>); PostgreSQL locks rows and needs no turn.
/// </para>
/// </summary>
public sealed class WriteTransaction : IAsyncDisposable
{
    private readonly bool _owned;
    private SqliteWriteTurn? _turn;

    private WriteTransaction(IDbContextTransaction transaction, bool owned, SqliteWriteTurn? turn) =>
        (Transaction, _owned, _turn) = (transaction, owned, turn);

    public IDbContextTransaction Transaction { get; }

    /// <summary>Joins the transaction open on <paramref name="database"/>, or begins one of its own.</summary>
    public static async Task<WriteTransaction> JoinOrBeginAsync(DatabaseFacade database, CancellationToken ct) =>
        database.CurrentTransaction is { } open ? new(open, owned: false, turn: null) : await BeginAsync(database, ct);

    /// <summary>Begins a transaction of its own for a request someone is waiting on, after this process's earlier writers to the same SQLite file.</summary>
    public static Task<WriteTransaction> BeginAsync(DatabaseFacade database, CancellationToken ct) => BeginAsync(database, background: false, ct);

    /// <summary>
    /// Begins a transaction of its own for background work (dispatch's claims and outcomes, the sweeper, purges), which
    /// lets waiting requests go first (see <see cref="SqliteWriteTurn"/>).
    /// </summary>
    public static Task<WriteTransaction> BeginBackgroundAsync(DatabaseFacade database, CancellationToken ct) => BeginAsync(database, background: true, ct);

    private static async Task<WriteTransaction> BeginAsync(DatabaseFacade database, bool background, CancellationToken ct)
    {
        var turn = await SqliteWriteTurn.TakeAsync(database, background, ct);
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
/// writers of this process instead queue here, one turn per file, and the file's lock is free whenever their turn
/// comes. Another process writing the same file (not a supported set-up: several nodes need PostgreSQL) still meets the
/// driver's retries.
/// <para>
/// Someone waits for a request's write (an accept, a retry, a cancel); nobody waits for a single claim or outcome of
/// dispatch, which only has to keep its pace. So a request's writer goes before waiting background writers, but at most
/// <see cref="RequestsAheadOfBackground"/> in a row: dispatch keeps at least that share of the file however busy the
/// requests, and a request waits for at most the one transaction that holds the lock plus the requests ahead of it.
/// </para>
/// </summary>
public sealed class SqliteWriteTurn
{
    /// <summary>How many request writers may go, in a row, before a waiting background writer.</summary>
    public const int RequestsAheadOfBackground = 4;

    private static readonly ConcurrentDictionary<string, SqliteWriteTurn> Turns = new(StringComparer.Ordinal);

    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource> _requests = new();
    private readonly LinkedList<TaskCompletionSource> _background = new();
    private bool _taken;
    private int _requestsInARow;

    private SqliteWriteTurn() { }

    /// <summary>Waits for this process's turn to write the database's file; null (no wait) when it is not SQLite.</summary>
    public static async ValueTask<SqliteWriteTurn?> TakeAsync(DatabaseFacade database, bool background, CancellationToken ct)
    {
        if (!database.IsSqlite()) return null;
        var turn = Turns.GetOrAdd(Path.GetFullPath(database.GetDbConnection().DataSource), _ => new SqliteWriteTurn());
        await turn.WaitAsync(background, ct);
        return turn;
    }

    private async ValueTask WaitAsync(bool background, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        TaskCompletionSource waiter;
        LinkedListNode<TaskCompletionSource> node;
        lock (_gate)
        {
            if (!_taken)
            {
                _taken = true;
                _requestsInARow = 0;
                return;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            node = (background ? _background : _requests).AddLast(waiter);
        }
        await using var _ = ct.Register(() =>
        {
            // A waiter given up on leaves the queue; one already given the turn keeps it (its caller gives it back).
            lock (_gate)
            {
                if (node.List is null) return;
                node.List.Remove(node);
            }
            waiter.TrySetCanceled(ct);
        });
        await waiter.Task;
    }

    /// <summary>Whether a writer is queued for the turn (asked by the one holding it).</summary>
    public bool WritersWaiting
    {
        get
        {
            lock (_gate) return _requests.Count + _background.Count > 0;
        }
    }

    /// <summary>Gives the turn to the next writer: a request's, unless background writers have waited long enough.</summary>
    public void Release()
    {
        TaskCompletionSource next;
        lock (_gate)
        {
            var backgroundsTurn = _background.Count > 0 && (_requests.Count == 0 || _requestsInARow >= RequestsAheadOfBackground);
            var queue = backgroundsTurn ? _background : _requests;
            if (queue.First is not { } first)
            {
                _taken = false;
                return;
            }
            queue.RemoveFirst();
            next = first.Value;
            _requestsInARow = backgroundsTurn || _background.Count == 0 ? 0 : _requestsInARow + 1;
        }
        next.SetResult();
    }
}
