using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace CommsConsole.Data;

/// <summary>
/// A unit of work's transaction: the caller's when one is already open (the work then commits or rolls back with the
/// caller's), else one of its own. Lets a write that is atomic on its own also be one step of a larger atomic write
/// (a capped send's check and insert; a delivery report's token and its effect).
/// </summary>
public sealed class JoinedTransaction : IAsyncDisposable
{
    private readonly bool _owned;

    private JoinedTransaction(IDbContextTransaction transaction, bool owned) => (Transaction, _owned) = (transaction, owned);

    public IDbContextTransaction Transaction { get; }

    public static async Task<JoinedTransaction> JoinOrBeginAsync(DatabaseFacade database, CancellationToken ct) =>
        database.CurrentTransaction is { } open ? new(open, owned: false) : new(await database.BeginTransactionAsync(ct), owned: true);

    /// <summary>Commits a transaction of its own; a joined one is committed by whoever opened it.</summary>
    public Task CommitAsync(CancellationToken ct) => _owned ? Transaction.CommitAsync(ct) : Task.CompletedTask;

    public ValueTask DisposeAsync() => _owned ? Transaction.DisposeAsync() : ValueTask.CompletedTask;
}
