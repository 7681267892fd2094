using System.Linq.Expressions;
using CommsConsole.Data;
using CommsConsole.Data.Configurations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace CommsConsole.Features.Messaging;

/// <summary>
/// Every change of a message's status, each with its batch's counts in the same transaction, so that a batch's counts
/// equal its rows by status: accept, claim, outcome, lease expiry, retry, cancel, resend, delivered and dropped (and the
/// purge, which leaves a batch's counts as a record of what became of rows now gone). The services decide whether a
/// change is allowed (roles, rate limits, "only failed can be retried"); the ledger writes it.
/// <para>
/// The hot paths are plain parameterised SQL (<see cref="MessageRowWriter"/>): change tracking costs several times more
/// than the insert itself for 10,000 rows. SQLite (in-process, one writer at a time) writes a batch's rows and a chunk's
/// outcomes each in one statement from a JSON parameter, and its write lock makes every claim exclusive. PostgreSQL is a server shared by several nodes: rows go in with binary
/// <c>COPY</c>, outcomes are written set-based in one statement per chunk, and claims take due rows with
/// <c>FOR UPDATE SKIP LOCKED</c>, so that two nodes claiming at once get disjoint rows without waiting on each other.
/// </para>
/// </summary>
public sealed class MessageLedger(AppDbContext db, Webhooks.WebhookOutbox? webhooks = null)
{
    private readonly BatchCountWriter _counts = new(db);

    private bool Postgres => db.Database.IsNpgsql();

    /// <param name="SuppressedBecause">Set for a marketing message to an opted-out recipient: the row is written as suppressed with this reason.</param>
    public sealed record NewMessage(string Recipient, string Content, int Segments, string? Subject = null, string? SuppressedBecause = null)
    {
        /// <summary>The status the row is written with.</summary>
        public MessageStatus Status => SuppressedBecause is null ? MessageStatus.Pending : MessageStatus.Suppressed;
    }

    /// <summary>
    /// Writes the batch and one row per recipient in one transaction (pending, or suppressed with its reason); returns the rows
    /// with their ids.
    /// </summary>
    public async Task<List<Message>> InsertBatchAsync(Batch batch, Message prototype, IReadOnlyList<NewMessage> rows, CancellationToken ct)
    {
        await using var tx = await WriteTransaction.JoinOrBeginAsync(db.Database, ct);
        var counts = BatchCounts.Of(rows.Select(r => (r.Status, 1)));
        batch.Total = rows.Count;
        batch.Pending = counts.Pending;
        batch.Suppressed = counts.Suppressed;
        db.Batches.Add(batch);
        await db.SaveChangesAsync(ct);
        db.Entry(batch).State = EntityState.Detached;

        var conn = db.Database.GetDbConnection();
        if (Postgres)
        {
            await MessageRowWriter.CopyPostgresAsync((NpgsqlConnection)conn, batch.Id, prototype, rows, ct);
        }
        else
        {
            await MessageRowWriter.InsertSqliteAsync(conn, tx.Transaction.GetDbTransaction(), batch.Id, prototype, rows, ct);
        }

        // Ids come back in one query instead of a RETURNING round per row: within this transaction the batch's
        // ids ascend in insertion order (SQLite rowids; on PostgreSQL this session's identity values, COPY keeping row order).
        await using var ids = conn.CreateCommand();
        ids.Transaction = tx.Transaction.GetDbTransaction();
        ids.CommandText = """SELECT "Id" FROM "Messages" WHERE "BatchId" = @batch ORDER BY "Id" """;
        new CommandParameters(ids).Set("batch", batch.Id);
        var result = new List<Message>(rows.Count);
        await using (var reader = await ids.ExecuteReaderAsync(ct))
        {
            var i = 0;
            while (await reader.ReadAsync(ct)) result.Add(Copy(prototype, reader.GetInt64(0), batch.Id, rows[i++]));
        }
        if (result.Count != rows.Count) throw new InvalidOperationException($"batch {batch.Id}: wrote {rows.Count} rows but read back {result.Count}");
        await RecordAcceptedAsync(batch, counts, prototype.CreatedAt, ct);
        await tx.CommitAsync(ct);
        return result;
    }

    /// <summary>
    /// Writes an audience send in one transaction: the batch, then the rows of <paramref name="setWise"/> (the addresses to
    /// send <paramref name="shared"/> to) in one <c>INSERT … SELECT</c> inside the database, then the rows <paramref name="chunks"/>
    /// yields (rendered in the app, a bounded number at a time, given the batch's id), then the batch's counts of what was
    /// written. Returns those counts; no row goes back to the app.
    /// </summary>
    public async Task<BatchCounts> InsertAudienceBatchAsync(Batch batch, Message prototype, IQueryable<string>? setWise, NewMessage? shared,
        Func<long, IAsyncEnumerable<IReadOnlyList<NewMessage>>> chunks, CancellationToken ct)
    {
        await using var tx = await WriteTransaction.JoinOrBeginAsync(db.Database, ct);
        batch.Total = batch.Pending = batch.Suppressed = 0;
        db.Batches.Add(batch);
        await db.SaveChangesAsync(ct);
        db.Entry(batch).State = EntityState.Detached;

        var conn = db.Database.GetDbConnection();
        var transaction = tx.Transaction.GetDbTransaction();
        var counts = default(BatchCounts);
        if (setWise is not null && shared is not null)
            counts = counts.Add(MessageStatus.Pending, await MessageRowWriter.InsertSelectAsync(setWise, transaction, Postgres, batch.Id, prototype, shared, ct));
        await foreach (var chunk in chunks(batch.Id).WithCancellation(ct))
        {
            if (chunk.Count == 0) continue;
            if (Postgres) await MessageRowWriter.CopyPostgresAsync((NpgsqlConnection)conn, batch.Id, prototype, chunk, ct);
            else await MessageRowWriter.InsertSqliteAsync(conn, transaction, batch.Id, prototype, chunk, ct);
            foreach (var row in chunk) counts = counts.Add(row.Status, 1);
        }
        batch.Total = counts.Pending + counts.Suppressed;
        batch.Pending = counts.Pending;
        batch.Suppressed = counts.Suppressed;
        await db.Batches.Where(b => b.Id == batch.Id).ExecuteUpdateAsync(u => u
            .SetProperty(b => b.Total, batch.Total)
            .SetProperty(b => b.Pending, batch.Pending)
            .SetProperty(b => b.Suppressed, batch.Suppressed), ct);
        await RecordAcceptedAsync(batch, counts, prototype.CreatedAt, ct);
        await tx.CommitAsync(ct);
        return counts;
    }

    /// <summary>The events of a batch just written: its rows suppressed at once, and its completion when nothing is left to send.</summary>
    private async Task RecordAcceptedAsync(Batch batch, BatchCounts counts, DateTimeOffset now, CancellationToken ct)
    {
        if (webhooks is null) return;
        if (counts.Suppressed > 0) await webhooks.RecordBatchRowsAsync(db, Webhooks.WebhookEvents.MessageSuppressed, batch.Id, MessageStatus.Suppressed, now, ct);
        if (counts.Pending == 0 && counts.Suppressed > 0) await webhooks.RecordCompletedBatchesAsync(db, [batch.Id], now, ct);
    }

    /// <summary>
    /// Opens the transaction in which a capped send counts what its recipients already received and writes its rows (pass
    /// it on to <see cref="InsertBatchAsync"/>), so that two sends to one number cannot both see room under the cap
    /// (<see cref="RecipientHold"/>).
    /// </summary>
    public Task<WriteTransaction> BeginHoldingRecipientsAsync(string tenantId, IReadOnlyCollection<string> recipients, CancellationToken ct) =>
        RecipientHold.BeginAsync(db, tenantId, recipients, ct);

    private static Message Copy(Message p, long id, long batchId, NewMessage row) => new()
    {
        Id = id, TenantId = p.TenantId, UserId = p.UserId, BatchId = batchId, Channel = p.Channel, Purpose = p.Purpose,
        Status = row.Status, Error = row.SuppressedBecause, Recipient = row.Recipient, Subject = row.Subject, Content = row.Content,
        IsHtml = p.IsHtml, TemplateId = p.TemplateId, ReceiverName = p.ReceiverName, ReceiverId = p.ReceiverId, CampusId = p.CampusId,
        BizType = p.BizType, BizId = p.BizId, Remark = p.Remark, Segments = row.Segments,
        CreatedAt = p.CreatedAt, UpdatedAt = p.CreatedAt, NextAttemptAt = p.NextAttemptAt,
    };

    /// <summary>
    /// "Still pending", for rows found by something narrower (their ids, their batch). The "+ 0" keeps SQLite (which has no
    /// statistics) off the pending index for the check: offered it, SQLite walked every pending row of every batch and
    /// tested each against the ids or the batch, so a claim or a cancel cost as much as the whole backlog was long (a
    /// million-row drain sped up from 7,500 to 14,500 rows/s as it emptied). Picking due rows, which is what the pending
    /// index is for, names the status plainly.
    /// </summary>
    private static readonly Expression<Func<Message, bool>> StillPending = m => (int)m.Status + 0 == (int)MessageStatus.Pending;

    /// <summary>
    /// Claims up to <paramref name="max"/> due pending rows for <paramref name="leaseId"/> (pending → sending)
    /// and moves them in their batches' counts. Returns the claimed rows, untracked.
    /// </summary>
    public async Task<List<Message>> ClaimAsync(string leaseId, DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken ct)
    {
        if (Postgres) return await ClaimPostgresAsync(leaseId, now, leaseUntil, max, ct);
        var due = db.Messages
            .Where(m => m.Status == MessageStatus.Pending && m.NextAttemptAt <= now)
            .OrderBy(m => m.NextAttemptAt).ThenBy(m => m.Id)
            .Select(m => m.Id)
            .Take(max);

        await using var tx = await WriteTransaction.BeginBackgroundAsync(db.Database, ct);
        var claimed = await db.Messages
            .Where(m => due.Contains(m.Id))
            .Where(StillPending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Sending)
                .SetProperty(m => m.LeaseId, leaseId)
                .SetProperty(m => m.LeaseUntil, leaseUntil), ct);
        if (claimed == 0)
        {
            await tx.CommitAsync(ct);
            return [];
        }
        var rows = await LeasedRows(db.Messages.AsNoTracking(), leaseId, leaseUntil).ToListAsync(ct);
        await MoveClaimedInBatchesAsync(rows, ct);
        await tx.CommitAsync(ct);
        return rows;
    }

    /// <summary>
    /// The rows a claim just leased: found through the index of leased rows by the lease's end, which the claim wrote, so
    /// that the lease id needs no index of its own (one index fewer to write at every claim and every outcome).
    /// </summary>
    internal static IQueryable<Message> LeasedRows(IQueryable<Message> messages, string leaseId, DateTimeOffset leaseUntil) =>
        messages.Where(m => m.Status == MessageStatus.Sending && m.LeaseUntil == leaseUntil && m.LeaseId == leaseId);

    /// <summary>
    /// PostgreSQL: one statement picks and claims. Rows another node is claiming at this moment are locked and skipped
    /// rather than waited for, and a row is re-checked under its lock, so two nodes never claim the same row. The pick is
    /// a materialized CTE: written as <c>WHERE "Id" IN (SELECT … LIMIT … FOR UPDATE SKIP LOCKED)</c> the planner may run
    /// the locking subquery once per row of the table, which takes seconds at a few thousand rows.
    /// </summary>
    private static readonly string ClaimPostgresSql = $"""
        WITH due AS MATERIALIZED (
            SELECT "Id" FROM "Messages"
            WHERE {MessageConfiguration.PendingOnly} AND "NextAttemptAt" <= @now
            ORDER BY "NextAttemptAt", "Id"
            LIMIT @max
            FOR UPDATE SKIP LOCKED)
        UPDATE "Messages" m SET "Status" = @sending, "LeaseId" = @lease, "LeaseUntil" = @until
        FROM due
        WHERE m."Id" = due."Id" AND m."Status" = @pending
        RETURNING m.*
        """;

    private async Task<List<Message>> ClaimPostgresAsync(string leaseId, DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken ct)
    {
        await using var tx = await WriteTransaction.BeginBackgroundAsync(db.Database, ct);
        var rows = await db.Messages.FromSqlRaw(ClaimPostgresSql,
                new NpgsqlParameter<int>("sending", (int)MessageStatus.Sending),
                new NpgsqlParameter<int>("pending", (int)MessageStatus.Pending),
                new NpgsqlParameter<string>("lease", leaseId),
                new NpgsqlParameter<long>("until", leaseUntil.UtcTicks),
                new NpgsqlParameter<long>("now", now.UtcTicks),
                new NpgsqlParameter<int>("max", max))
            .AsNoTracking().ToListAsync(ct);
        rows.Sort((a, b) => a.NextAttemptAt != b.NextAttemptAt ? a.NextAttemptAt.CompareTo(b.NextAttemptAt) : a.Id.CompareTo(b.Id));
        await MoveClaimedInBatchesAsync(rows, ct);
        await tx.CommitAsync(ct);
        return rows;
    }

    /// <summary>Batches in ascending id order, so that concurrent transactions lock them in one order and cannot deadlock.</summary>
    private async Task MoveClaimedInBatchesAsync(List<Message> rows, CancellationToken ct)
    {
        foreach (var group in rows.GroupBy(m => m.BatchId).OrderBy(g => g.Key))
            await ShiftAsync(group.Key, BatchCounts.Moved(MessageStatus.Pending, MessageStatus.Sending, group.Count()), ct);
    }

    public sealed record Outcome(
        long MessageId, MessageStatus Status, string? Provider, string? ThirdPartyId, string? ThirdPartyStatus,
        string? Response, string? Error, int RetryCount, decimal Cost, DateTimeOffset? SentAt, DateTimeOffset NextAttemptAt,
        string? AttemptOutcome, int AttemptNumber);

    /// <summary>
    /// Writes the outcomes of one claimed chunk in one transaction: each row only if the lease is still ours
    /// (a row whose lease ran out and was reclaimed is left to its new owner), its attempt, and the batch counts.
    /// Returns how many rows were written.
    /// </summary>
    public async Task<int> CompleteAsync(string leaseId, IReadOnlyList<Outcome> outcomes, IReadOnlyDictionary<long, long> batchOf,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await WriteTransaction.BeginBackgroundAsync(db.Database, ct);
        var conn = db.Database.GetDbConnection();
        var written = Postgres
            ? await MessageRowWriter.CompletePostgresAsync((NpgsqlConnection)conn, leaseId, outcomes, now, ct)
            : await MessageRowWriter.CompleteSqliteAsync(conn, tx.Transaction.GetDbTransaction(), leaseId, outcomes, now, ct);

        var moves = new SortedDictionary<long, BatchCounts>();
        foreach (var o in outcomes)
        {
            if (!written.Contains(o.MessageId)) continue;
            var batchId = batchOf[o.MessageId];
            moves[batchId] = moves.GetValueOrDefault(batchId).Move(MessageStatus.Sending, o.Status);
        }
        foreach (var (batchId, move) in moves) await ShiftAsync(batchId, move, ct);
        if (webhooks is not null && written.Count > 0)
        {
            // The outcomes' events go into the outbox in this transaction: written with the outcomes or not at all.
            foreach (var group in outcomes.Where(o => written.Contains(o.MessageId)).GroupBy(o => Webhooks.WebhookEvents.ForStatus(o.Status)))
            {
                if (group.Key is { } name) await webhooks.RecordMessagesAsync(db, name, group.Select(o => o.MessageId).ToList(), now, ct);
            }
            await webhooks.RecordCompletedBatchesAsync(db, moves.Keys, now, ct);
        }
        await tx.CommitAsync(ct);
        return written.Count;
    }

    private static readonly string ReclaimPostgresSql = $"""
        UPDATE "Messages" SET "Status" = @pending, "LeaseId" = NULL, "LeaseUntil" = NULL, "UpdatedAt" = @now
        WHERE {MessageConfiguration.SendingOnly} AND "LeaseUntil" < @now
        RETURNING "BatchId" AS "Value"
        """;

    /// <summary>Returns rows whose lease ran out to pending, so that another worker sends them. Returns how many.</summary>
    public async Task<int> ReclaimExpiredAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await WriteTransaction.BeginBackgroundAsync(db.Database, ct);
        if (Postgres)
        {
            // One statement returns what it reclaimed: another node's sweeper running at the same moment waits on the
            // row locks, re-checks, and finds the rows already pending.
            var reclaimed = await db.Database.SqlQueryRaw<long>(ReclaimPostgresSql,
                new NpgsqlParameter<int>("pending", (int)MessageStatus.Pending),
                new NpgsqlParameter<long>("now", now.UtcTicks)).ToListAsync(ct);
            if (reclaimed.Count > 0) await RecountAsync(reclaimed.Distinct().ToList(), ct);
            await tx.CommitAsync(ct);
            return reclaimed.Count;
        }
        var batchIds = await db.Messages
            .Where(m => m.Status == MessageStatus.Sending && m.LeaseUntil < now)
            .Select(m => m.BatchId).Distinct().ToListAsync(ct);
        if (batchIds.Count == 0)
        {
            await tx.CommitAsync(ct);
            return 0;
        }
        var n = await db.Messages
            .Where(m => m.Status == MessageStatus.Sending && m.LeaseUntil < now)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Pending)
                .SetProperty(m => m.LeaseId, (string?)null)
                .SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null)
                .SetProperty(m => m.UpdatedAt, now), ct);
        await RecountAsync(batchIds, ct);
        await tx.CommitAsync(ct);
        return n;
    }

    /// <summary>
    /// One failed message goes again now, its retry counted (failed → pending); only while it is still failed with the
    /// retry count the caller checked, so that two retries at once send it once. Returns whether it changed.
    /// </summary>
    public async Task<bool> RetryAsync(long messageId, long batchId, int retryCount, DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        var changed = await db.Messages.Where(m => m.Id == messageId && m.Status == MessageStatus.Failed && m.RetryCount == retryCount)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Pending)
                .SetProperty(m => m.RetryCount, m => m.RetryCount + 1)
                .SetProperty(m => m.NextAttemptAt, now)
                .SetProperty(m => m.UpdatedAt, now), ct);
        if (changed == 0) return false;
        await ShiftAsync(batchId, BatchCounts.Moved(MessageStatus.Failed, MessageStatus.Pending), ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// PostgreSQL: a cancel or resend of a batch waits for another one of the same batch to commit. Two multi-row updates of
    /// one batch's rows, each locking them in the order its own plan meets them, can otherwise deadlock (twenty cancels at
    /// once did). Claims skip locked rows and never wait here; on SQLite the write turn already orders them.
    /// </summary>
    private async Task HoldBatchAsync(long batchId, CancellationToken ct)
    {
        if (!Postgres) return;
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"batch-rows\n" + batchId}, 0))", ct);
    }

    /// <summary>Withdraws a batch's messages not yet handed to a provider (pending → cancelled); returns how many.</summary>
    public async Task<int> CancelPendingAsync(long batchId, DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        await HoldBatchAsync(batchId, ct);
        var cancelled = await db.Messages.Where(m => m.BatchId == batchId).Where(StillPending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Cancelled)
                .SetProperty(m => m.Error, "cancelled before sending")
                .SetProperty(m => m.UpdatedAt, now), ct);
        await RecountAsync([batchId], ct);
        await tx.CommitAsync(ct);
        return cancelled;
    }

    /// <summary>What replaces the recipient, content and other personal fields of an erased person's messages.</summary>
    public const string ErasedMarker = "erased";

    /// <summary>
    /// Erases a person from the tenant's messages, set-based (one <c>UPDATE … WHERE</c> per table, on both providers), in the
    /// caller's transaction when one is open: their pending messages are cancelled first (never sent after the erasure),
    /// then every message to <paramref name="phone"/> (SMS) or <paramref name="email"/> (email) keeps its status, times,
    /// segments and cost while recipient, content and subject become <see cref="ErasedMarker"/>, the provider's raw answers
    /// are cleared and an error quoting the address is replaced. The cancelled rows' batches are recounted, so a batch's
    /// counts still equal its rows by status. A message being sent at that moment goes out (the provider has it) and its
    /// outcome lands on the anonymised row. Returns how many were cancelled and how many anonymised.
    /// </summary>
    public async Task<(int Cancelled, int Anonymised)> EraseRecipientAsync(string tenantId, string? phone, string? email, DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await WriteTransaction.JoinOrBeginAsync(db.Database, ct);
        // Messages keep an email's local part as written; the contact and the opt-out list keep it lower-cased.
        var to = db.Messages.Where(m => m.TenantId == tenantId
            && ((m.Channel == Channel.Sms && phone != null && m.Recipient == phone) || (m.Channel == Channel.Email && email != null && m.Recipient.ToLower() == email)));
        var pending = to.Where(m => m.Status == MessageStatus.Pending);
        var batchIds = await pending.Select(m => m.BatchId).Distinct().ToListAsync(ct);
        var cancelled = batchIds.Count == 0 ? 0 : await pending.ExecuteUpdateAsync(s => s
            .SetProperty(m => m.Status, MessageStatus.Cancelled)
            .SetProperty(m => m.Error, "cancelled: the recipient was erased")
            .SetProperty(m => m.UpdatedAt, now), ct);
        await db.MessageAttempts.Where(a => to.Select(m => m.Id).Contains(a.MessageId)).ExecuteUpdateAsync(s => s
            .SetProperty(a => a.Response, (string?)null)
            .SetProperty(a => a.Error, (string?)null), ct);
        // Opens and clicks stay counted; what the person's client said of itself goes.
        await db.MessageEvents.Where(e => e.TenantId == tenantId && to.Select(m => m.Id).Contains(e.MessageId)).ExecuteUpdateAsync(s => s
            .SetProperty(e => e.UserAgent, (string?)null), ct);
        // Every SET expression reads the row as it was, so the error is tested against the recipient before it is replaced.
        var anonymised = await to.ExecuteUpdateAsync(s => s
            .SetProperty(m => m.Error, m => m.Error != null && m.Error.Contains(m.Recipient) ? ErasedMarker : m.Error)
            .SetProperty(m => m.Recipient, ErasedMarker)
            .SetProperty(m => m.Content, ErasedMarker)
            .SetProperty(m => m.Subject, m => m.Subject == null ? null : ErasedMarker)
            .SetProperty(m => m.ReceiverName, (string?)null)
            .SetProperty(m => m.Remark, (string?)null)
            .SetProperty(m => m.Response, (string?)null)
            .SetProperty(m => m.UpdatedAt, now), ct);
        // The bounces of those messages keep their kind, status and time (a batch's figures still add up), not the address.
        if (email is not null)
            await db.Bounces.Where(b => b.TenantId == tenantId && b.Recipient == email).ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Recipient, ErasedMarker)
                .SetProperty(b => b.Reason, (string?)null), ct);
        if (batchIds.Count > 0) await RecountAsync(batchIds, ct);
        await tx.CommitAsync(ct);
        return (cancelled, anonymised);
    }

    /// <summary>
    /// A batch's failed messages go again now, each with fewer than <paramref name="maxRetries"/> retries (failed → pending);
    /// returns how many went and how many stay failed.
    /// </summary>
    public async Task<(int Requeued, int Skipped)> ResendFailedAsync(long batchId, int maxRetries, DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        await HoldBatchAsync(batchId, ct);
        var requeued = await db.Messages.Where(m => m.BatchId == batchId && m.Status == MessageStatus.Failed && m.RetryCount < maxRetries)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Pending)
                .SetProperty(m => m.RetryCount, m => m.RetryCount + 1)
                .SetProperty(m => m.NextAttemptAt, now)
                .SetProperty(m => m.UpdatedAt, now), ct);
        var skipped = await db.Messages.CountAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Failed, ct);
        await RecountAsync([batchId], ct);
        await tx.CommitAsync(ct);
        return (requeued, skipped);
    }

    /// <summary>The provider confirmed delivery (sent → delivered); returns false when the message was no longer sent.</summary>
    public Task<bool> DeliveredAsync(long messageId, long batchId, DateTimeOffset at, DateTimeOffset now, CancellationToken ct) =>
        ReportAsync(messageId, batchId, MessageStatus.Delivered, s => s
            .SetProperty(m => m.DeliveredAt, at)
            .SetProperty(m => m.ThirdPartyStatus, "delivered"), now, ct);

    /// <summary>The carrier dropped the message (sent → failed); returns false when the message was no longer sent.</summary>
    public Task<bool> DroppedAsync(long messageId, long batchId, string reason, DateTimeOffset now, CancellationToken ct) =>
        ReportAsync(messageId, batchId, MessageStatus.Failed, s => s
            .SetProperty(m => m.Error, reason)
            .SetProperty(m => m.ThirdPartyStatus, "dropped"), now, ct);

    /// <summary>A delivery report moves a message out of sent only, so that the same report twice changes nothing the second time.</summary>
    private async Task<bool> ReportAsync(long messageId, long batchId, MessageStatus to, Action<UpdateSettersBuilder<Message>> set,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await WriteTransaction.JoinOrBeginAsync(db.Database, ct);
        var changed = await db.Messages.Where(m => m.Id == messageId && m.Status == MessageStatus.Sent).ExecuteUpdateAsync(s =>
        {
            s.SetProperty(m => m.Status, to);
            set(s);
            s.SetProperty(m => m.UpdatedAt, now);
        }, ct);
        if (changed == 1)
        {
            await ShiftAsync(batchId, BatchCounts.Moved(MessageStatus.Sent, to), ct);
            if (webhooks is not null && Webhooks.WebhookEvents.ForStatus(to) is { } name) await webhooks.RecordMessagesAsync(db, name, [messageId], now, ct);
        }
        await tx.CommitAsync(ct);
        return changed == 1;
    }

    /// <summary>
    /// Purges up to <paramref name="max"/> of a tenant's messages created before <paramref name="cutoff"/>, with their
    /// attempts, counting them first into the daily counts (tenant, user, day, channel, status, cost) so that the dashboard
    /// still shows them; their opens and clicks stay counted, without the User-Agents. Pending and sending rows are never purged. A batch keeps its counts: they record what became of
    /// its rows. Returns how many rows went.
    /// </summary>
    public async Task<int> PurgeAsync(string tenantId, DateTimeOffset cutoff, int max, CancellationToken ct)
    {
        var (pending, sending, before) = ((int)MessageStatus.Pending, (int)MessageStatus.Sending, cutoff.UtcTicks);
        await using var tx = await WriteTransaction.BeginBackgroundAsync(db.Database, ct);
        // The chunk's ids first, so that the counts, the attempts and the rows are exactly the same set.
        var ids = await db.Messages.Where(m => m.TenantId == tenantId && m.CreatedAt < cutoff
                && m.Status != MessageStatus.Pending && m.Status != MessageStatus.Sending)
            .OrderBy(m => m.Id).Select(m => m.Id).Take(max).ToListAsync(ct);
        if (ids.Count == 0)
        {
            await tx.CommitAsync(ct);
            return 0;
        }
        var (first, last) = (ids[0], ids[^1]);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "MessageDailyCounts" ("TenantId","UserId","Day","Channel","Status","Count","Cost")
            SELECT "TenantId","UserId","CreatedAt" / {TimeSpan.TicksPerDay},"Channel","Status",COUNT(*),COALESCE(SUM(CAST("Cost" AS NUMERIC)),0)
            FROM "Messages"
            WHERE "TenantId" = {tenantId} AND "Id" >= {first} AND "Id" <= {last} AND "CreatedAt" < {before} AND "Status" <> {pending} AND "Status" <> {sending}
            GROUP BY 1, 2, 3, 4, 5 -- by position: the day expression carries a parameter, and PostgreSQL does not match two of them
            ON CONFLICT ("TenantId","UserId","Day","Channel","Status")
            DO UPDATE SET "Count" = "MessageDailyCounts"."Count" + excluded."Count", "Cost" = "MessageDailyCounts"."Cost" + excluded."Cost"
            """, ct);
        // Opens and clicks stay, so that a batch's report still adds up; what the reader's client said of itself goes.
        await db.Database.ExecuteSqlAsync($"""
            UPDATE "MessageEvents" SET "UserAgent" = NULL WHERE "UserAgent" IS NOT NULL AND "MessageId" IN (
              SELECT "Id" FROM "Messages"
              WHERE "TenantId" = {tenantId} AND "Id" >= {first} AND "Id" <= {last} AND "CreatedAt" < {before} AND "Status" <> {pending} AND "Status" <> {sending})
            """, ct);
        await db.Database.ExecuteSqlAsync($"""
            DELETE FROM "Bounces" WHERE "MessageId" IN (
              SELECT "Id" FROM "Messages"
              WHERE "TenantId" = {tenantId} AND "Id" >= {first} AND "Id" <= {last} AND "CreatedAt" < {before} AND "Status" <> {pending} AND "Status" <> {sending})
            """, ct);
        await db.Database.ExecuteSqlAsync($"""
            DELETE FROM "MessageAttempts" WHERE "MessageId" IN (
              SELECT "Id" FROM "Messages"
              WHERE "TenantId" = {tenantId} AND "Id" >= {first} AND "Id" <= {last} AND "CreatedAt" < {before} AND "Status" <> {pending} AND "Status" <> {sending})
            """, ct);
        var n = await db.Database.ExecuteSqlAsync($"""
            DELETE FROM "Messages"
            WHERE "TenantId" = {tenantId} AND "Id" >= {first} AND "Id" <= {last} AND "CreatedAt" < {before} AND "Status" <> {pending} AND "Status" <> {sending}
            """, ct);
        await tx.CommitAsync(ct);
        return n;
    }

    /// <summary>Sets batches' counts from their rows (where a transition's change cannot be known exactly).</summary>
    public Task RecountAsync(IReadOnlyCollection<long> batchIds, CancellationToken ct) => _counts.RecountAsync(batchIds, ct);

    private Task ShiftAsync(long batchId, BatchCounts change, CancellationToken ct) => _counts.ShiftAsync(batchId, change, ct);
}
