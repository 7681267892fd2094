using System.Data.Common;
using CommsConsole.Features.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace CommsConsole.Data;

/// <summary>
/// The hot write paths of messaging, in plain parameterised SQL inside one transaction. Change tracking costs
/// several times more than the insert itself for 10,000 rows. Column names and value encodings follow the EF model
/// (enums as integers, instants as UTC ticks) on both providers.
/// <para>
/// SQLite (in-process, one writer at a time) runs one prepared command per row: a statement costs microseconds and the
/// write lock makes every claim exclusive. PostgreSQL is a server shared by several nodes: rows go in with binary
/// <c>COPY</c>, outcomes are written set-based in one statement per chunk, and claims take due rows with
/// <c>FOR UPDATE SKIP LOCKED</c>, so that two nodes claiming at once get disjoint rows without waiting on each other.
/// </para>
/// </summary>
public sealed class MessageStore(AppDbContext db)
{
    private bool Postgres => db.Database.IsNpgsql();

    /// <param name="SuppressedBecause">Set for a marketing message to an opted-out recipient: the row is written as suppressed with this reason.</param>
    public sealed record NewMessage(string Recipient, string Content, int Segments, string? Subject = null, string? SuppressedBecause = null);

    /// <summary>
    /// Writes the batch and one row per recipient in one transaction (pending, or suppressed with its reason); returns the rows
    /// with their ids.
    /// </summary>
    public async Task<List<Message>> InsertBatchAsync(Batch batch, Message prototype, IReadOnlyList<NewMessage> rows, CancellationToken ct)
    {
        await using var tx = await JoinedTransaction.JoinOrBeginAsync(db.Database, ct);
        var suppressed = rows.Count(r => r.SuppressedBecause is not null);
        batch.Total = rows.Count;
        batch.Pending = rows.Count - suppressed;
        batch.Suppressed = suppressed;
        db.Batches.Add(batch);
        await db.SaveChangesAsync(ct);
        db.Entry(batch).State = EntityState.Detached;

        var conn = db.Database.GetDbConnection();
        if (Postgres)
        {
            await CopyMessagesAsync((NpgsqlConnection)conn, batch.Id, prototype, rows, ct);
        }
        else
        {
            await InsertMessagesAsync(conn, tx.Transaction.GetDbTransaction(), batch.Id, prototype, rows, ct);
        }

        // Ids come back in one query instead of a RETURNING round per row: within this transaction the batch's
        // ids ascend in insertion order (SQLite rowids; on PostgreSQL this session's identity values, COPY keeping row order).
        await using var ids = conn.CreateCommand();
        ids.Transaction = tx.Transaction.GetDbTransaction();
        ids.CommandText = """SELECT "Id" FROM "Messages" WHERE "BatchId" = @batch ORDER BY "Id" """;
        new Params(ids).Set("batch", batch.Id);
        var result = new List<Message>(rows.Count);
        await using (var reader = await ids.ExecuteReaderAsync(ct))
        {
            var i = 0;
            while (await reader.ReadAsync(ct)) result.Add(Copy(prototype, reader.GetInt64(0), batch.Id, rows[i++]));
        }
        if (result.Count != rows.Count) throw new InvalidOperationException($"batch {batch.Id}: wrote {rows.Count} rows but read back {result.Count}");
        await tx.CommitAsync(ct);
        return result;
    }

    /// <summary>Above this many numbers a send holds its whole tenant rather than each number (PostgreSQL's lock table is finite).</summary>
    private const int MaxNumberLocks = 64;

    /// <summary>
    /// Opens the transaction in which a capped send counts what its recipients already received and writes its rows (pass
    /// it on to <see cref="InsertBatchAsync"/>), so that two sends to one number cannot both see room under the cap.
    /// SQLite begins it <c>IMMEDIATE</c>: the database's single write lock, held until commit, orders every writer. PostgreSQL
    /// takes transaction-scoped advisory locks on each (tenant, number), in one order so that two sends cannot deadlock,
    /// with the tenant's own lock shared; a send to many numbers takes the tenant's lock alone, exclusively.
    /// </summary>
    public async Task<IDbContextTransaction> BeginHoldingRecipientsAsync(string tenantId, IReadOnlyCollection<string> recipients, CancellationToken ct)
    {
        var tx = await db.Database.BeginTransactionAsync(ct);
        if (!Postgres) return tx;
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = tx.GetDbTransaction();
        var p = new Params(cmd);
        p.Set("tenant", LockKey(tenantId, null));
        if (recipients.Count > MaxNumberLocks)
        {
            cmd.CommandText = "SELECT pg_advisory_xact_lock(@tenant)";
        }
        else
        {
            cmd.CommandText = "SELECT pg_advisory_xact_lock_shared(@tenant); SELECT pg_advisory_xact_lock(k) FROM unnest(@numbers) WITH ORDINALITY AS t(k, i) ORDER BY i";
            p.Set("numbers", recipients.Select(r => LockKey(tenantId, r)).Distinct().Order().ToArray());
        }
        await cmd.ExecuteNonQueryAsync(ct);
        return tx;
    }

    private static long LockKey(string tenantId, string? recipient) =>
        System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("send-cap\n" + tenantId + "\n" + recipient)));

    private static async Task InsertMessagesAsync(DbConnection conn, DbTransaction tx, long batchId, Message prototype, IReadOnlyList<NewMessage> rows, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO "Messages" ("TenantId","UserId","BatchId","Channel","Purpose","Status","Recipient","Subject","Content","IsHtml","TemplateId",
              "ReceiverName","ReceiverId","CampusId","BizType","BizId","Remark","RetryCount","Cost","Segments",
              "CreatedAt","UpdatedAt","NextAttemptAt","Error")
            VALUES (@tenant,@user,@batch,@channel,@purpose,@status,@recipient,@subject,@content,@html,@template,
              @rname,@rid,@campus,@biztype,@bizid,@remark,0,@cost,@segments,@now,@now,@due,@error)
            """;
        var p = new Params(cmd);
        p.Set("tenant", prototype.TenantId);
        p.Set("user", prototype.UserId);
        p.Set("batch", batchId);
        p.Set("channel", (int)prototype.Channel);
        p.Set("purpose", (int)prototype.Purpose);
        var status = p.Set("status", (int)MessageStatus.Pending);
        var error = p.Set("error", null);
        p.Set("html", prototype.IsHtml);
        p.Set("template", prototype.TemplateId);
        p.Set("rname", prototype.ReceiverName);
        p.Set("rid", prototype.ReceiverId);
        p.Set("campus", prototype.CampusId);
        p.Set("biztype", prototype.BizType);
        p.Set("bizid", prototype.BizId);
        p.Set("remark", prototype.Remark);
        p.Set("cost", 0m);
        p.Set("now", prototype.CreatedAt.UtcTicks);
        p.Set("due", prototype.NextAttemptAt.UtcTicks);
        var recipient = p.Set("recipient", "");
        var content = p.Set("content", "");
        var subject = p.Set("subject", "");
        var segments = p.Set("segments", 0);
        await cmd.PrepareAsync(ct);

        foreach (var row in rows)
        {
            recipient.Value = row.Recipient;
            content.Value = row.Content;
            subject.Value = (object?)row.Subject ?? DBNull.Value;
            segments.Value = row.Segments;
            status.Value = (int)(row.SuppressedBecause is null ? MessageStatus.Pending : MessageStatus.Suppressed);
            error.Value = (object?)row.SuppressedBecause ?? DBNull.Value;
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>PostgreSQL: every row in one binary COPY stream (one round trip, no per-row statement).</summary>
    private static async Task CopyMessagesAsync(NpgsqlConnection conn, long batchId, Message p, IReadOnlyList<NewMessage> rows, CancellationToken ct)
    {
        await using var copy = await conn.BeginBinaryImportAsync("""
            COPY "Messages" ("TenantId","UserId","BatchId","Channel","Purpose","Status","Recipient","Subject","Content","IsHtml","TemplateId",
              "ReceiverName","ReceiverId","CampusId","BizType","BizId","Remark","RetryCount","Cost","Segments",
              "CreatedAt","UpdatedAt","NextAttemptAt","Error") FROM STDIN (FORMAT BINARY)
            """, ct);
        var now = p.CreatedAt.UtcTicks;
        var due = p.NextAttemptAt.UtcTicks;
        foreach (var row in rows)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(p.TenantId, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(p.UserId, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(batchId, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync((int)p.Channel, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync((int)p.Purpose, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync((int)(row.SuppressedBecause is null ? MessageStatus.Pending : MessageStatus.Suppressed), NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(row.Recipient, NpgsqlDbType.Varchar, ct);
            await WriteNullableAsync(copy, row.Subject, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(row.Content, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.IsHtml, NpgsqlDbType.Boolean, ct);
            await WriteNullableAsync(copy, p.TemplateId, NpgsqlDbType.Integer, ct);
            await WriteNullableAsync(copy, p.ReceiverName, NpgsqlDbType.Varchar, ct);
            await WriteNullableAsync(copy, p.ReceiverId, NpgsqlDbType.Bigint, ct);
            await WriteNullableAsync(copy, p.CampusId, NpgsqlDbType.Bigint, ct);
            await WriteNullableAsync(copy, p.BizType, NpgsqlDbType.Varchar, ct);
            await WriteNullableAsync(copy, p.BizId, NpgsqlDbType.Bigint, ct);
            await WriteNullableAsync(copy, p.Remark, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(0, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(0m, NpgsqlDbType.Numeric, ct);
            await copy.WriteAsync(row.Segments, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(now, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(now, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(due, NpgsqlDbType.Bigint, ct);
            await WriteNullableAsync(copy, row.SuppressedBecause, NpgsqlDbType.Text, ct);
        }
        await copy.CompleteAsync(ct);
    }

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct) where T : class =>
        value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, type, ct);

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct) where T : struct =>
        value is { } v ? copy.WriteAsync(v, type, ct) : copy.WriteNullAsync(ct);

    private static Message Copy(Message p, long id, long batchId, NewMessage row) => new()
    {
        Id = id, TenantId = p.TenantId, UserId = p.UserId, BatchId = batchId, Channel = p.Channel, Purpose = p.Purpose,
        Status = row.SuppressedBecause is null ? MessageStatus.Pending : MessageStatus.Suppressed, Error = row.SuppressedBecause, Recipient = row.Recipient, Subject = row.Subject, Content = row.Content,
        IsHtml = p.IsHtml, TemplateId = p.TemplateId, ReceiverName = p.ReceiverName, ReceiverId = p.ReceiverId, CampusId = p.CampusId,
        BizType = p.BizType, BizId = p.BizId, Remark = p.Remark, Segments = row.Segments,
        CreatedAt = p.CreatedAt, UpdatedAt = p.CreatedAt, NextAttemptAt = p.NextAttemptAt,
    };

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

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var claimed = await db.Messages
            .Where(m => due.Contains(m.Id) && m.Status == MessageStatus.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Sending)
                .SetProperty(m => m.LeaseId, leaseId)
                .SetProperty(m => m.LeaseUntil, leaseUntil), ct);
        if (claimed == 0)
        {
            await tx.CommitAsync(ct);
            return [];
        }
        var rows = await db.Messages.AsNoTracking().Where(m => m.LeaseId == leaseId && m.Status == MessageStatus.Sending).ToListAsync(ct);
        await MoveClaimedInBatchesAsync(rows, ct);
        await tx.CommitAsync(ct);
        return rows;
    }

    /// <summary>
    /// PostgreSQL: one statement picks and claims. Rows another node is claiming at this moment are locked and skipped
    /// rather than waited for, and a row is re-checked under its lock, so two nodes never claim the same row. The pick is
    /// a materialized CTE: written as <c>WHERE "Id" IN (SELECT … LIMIT … FOR UPDATE SKIP LOCKED)</c> the planner may run
    /// the locking subquery once per row of the table, which takes seconds at a few thousand rows.
    /// </summary>
    private async Task<List<Message>> ClaimPostgresAsync(string leaseId, DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var rows = await db.Messages.FromSqlRaw("""
                WITH due AS MATERIALIZED (
                    SELECT "Id" FROM "Messages"
                    WHERE "Status" = @pending AND "NextAttemptAt" <= @now
                    ORDER BY "NextAttemptAt", "Id"
                    LIMIT @max
                    FOR UPDATE SKIP LOCKED)
                UPDATE "Messages" m SET "Status" = @sending, "LeaseId" = @lease, "LeaseUntil" = @until
                FROM due
                WHERE m."Id" = due."Id" AND m."Status" = @pending
                RETURNING m.*
                """,
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
        {
            var n = group.Count();
            await db.Batches.Where(b => b.Id == group.Key)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.Pending, b => b.Pending - n).SetProperty(b => b.Sending, b => b.Sending + n), ct);
        }
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
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var conn = db.Database.GetDbConnection();
        var written = Postgres
            ? await CompletePostgresAsync((NpgsqlConnection)conn, leaseId, outcomes, now, ct)
            : await CompleteRowsAsync(conn, tx.GetDbTransaction(), leaseId, outcomes, now, ct);

        var deltas = new SortedDictionary<long, int[]>();
        foreach (var o in outcomes)
        {
            if (!written.Contains(o.MessageId)) continue;
            var d = deltas.TryGetValue(batchOf[o.MessageId], out var arr) ? arr : deltas[batchOf[o.MessageId]] = new int[7];
            d[(int)MessageStatus.Sending]--;
            d[(int)o.Status]++;
        }
        foreach (var (batchId, d) in deltas)
        {
            await db.Batches.Where(b => b.Id == batchId).ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Pending, b => b.Pending + d[0])
                .SetProperty(b => b.Sending, b => b.Sending + d[1])
                .SetProperty(b => b.Sent, b => b.Sent + d[2])
                .SetProperty(b => b.Delivered, b => b.Delivered + d[3])
                .SetProperty(b => b.Failed, b => b.Failed + d[4])
                .SetProperty(b => b.Suppressed, b => b.Suppressed + d[6]), ct);
        }
        await tx.CommitAsync(ct);
        return written.Count;
    }

    /// <summary>SQLite: one prepared update and attempt insert per row; returns the ids written.</summary>
    private static async Task<HashSet<long>> CompleteRowsAsync(DbConnection conn, DbTransaction tx, string leaseId, IReadOnlyList<Outcome> outcomes,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var update = conn.CreateCommand();
        update.Transaction = tx;
        update.CommandText = """
            UPDATE "Messages" SET "Status"=@status,"Provider"=@provider,"ThirdPartyId"=@tpid,"ThirdPartyStatus"=@tpstatus,
              "Response"=@response,"Error"=@error,"RetryCount"=@retry,"Cost"=@cost,"SentAt"=@sentat,"NextAttemptAt"=@next,
              "UpdatedAt"=@now,"LeaseId"=NULL,"LeaseUntil"=NULL
            WHERE "Id"=@id AND "LeaseId"=@lease AND "Status"=@sending
            """;
        var u = new Params(update);
        u.Set("now", now.UtcTicks);
        u.Set("lease", leaseId);
        u.Set("sending", (int)MessageStatus.Sending);
        var (status, provider, tpid, tpstatus, response, error, retry, cost, sentAt, next, id) = (
            u.Set("status", 0), u.Set("provider", ""), u.Set("tpid", null), u.Set("tpstatus", null), u.Set("response", null),
            u.Set("error", null), u.Set("retry", 0), u.Set("cost", 0m), u.Set("sentat", null), u.Set("next", 0L), u.Set("id", 0L));
        await update.PrepareAsync(ct);

        await using var attempt = conn.CreateCommand();
        attempt.Transaction = tx;
        attempt.CommandText = """
            INSERT INTO "MessageAttempts" ("MessageId","Number","At","Provider","Outcome","Error","Response")
            VALUES (@id,@number,@at,@provider,@outcome,@error,@response)
            """;
        var a = new Params(attempt);
        a.Set("at", now.UtcTicks);
        var (aid, anumber, aprovider, aoutcome, aerror, aresponse) = (
            a.Set("id", 0L), a.Set("number", 0), a.Set("provider", ""), a.Set("outcome", ""), a.Set("error", null), a.Set("response", null));
        await attempt.PrepareAsync(ct);

        var written = new HashSet<long>();
        foreach (var o in outcomes)
        {
            status.Value = (int)o.Status;
            provider.Value = (object?)o.Provider ?? DBNull.Value;
            tpid.Value = (object?)o.ThirdPartyId ?? DBNull.Value;
            tpstatus.Value = (object?)o.ThirdPartyStatus ?? DBNull.Value;
            response.Value = (object?)o.Response ?? DBNull.Value;
            error.Value = (object?)o.Error ?? DBNull.Value;
            retry.Value = o.RetryCount;
            cost.Value = o.Cost;
            sentAt.Value = o.SentAt is { } s ? s.UtcTicks : DBNull.Value;
            next.Value = o.NextAttemptAt.UtcTicks;
            id.Value = o.MessageId;
            if (await update.ExecuteNonQueryAsync(ct) != 1) continue;
            written.Add(o.MessageId);
            // Held back without an attempt (quiet hours) or refused before any provider saw it (an opt-out).
            if (o.AttemptOutcome is null) continue;

            aid.Value = o.MessageId;
            anumber.Value = o.AttemptNumber;
            aprovider.Value = o.Provider ?? "";
            aoutcome.Value = o.AttemptOutcome;
            aerror.Value = (object?)o.Error ?? DBNull.Value;
            aresponse.Value = (object?)o.Response ?? DBNull.Value;
            await attempt.ExecuteNonQueryAsync(ct);
        }
        return written;
    }

    /// <summary>
    /// PostgreSQL: the chunk's outcomes travel as arrays and are written in one statement: the rows still leased to us
    /// are updated, and an attempt is inserted for exactly those (but for rows held back or suppressed before any provider
    /// saw them, which have no attempt). Returns the ids written.
    /// </summary>
    private static async Task<HashSet<long>> CompletePostgresAsync(NpgsqlConnection conn, string leaseId, IReadOnlyList<Outcome> outcomes,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            WITH o AS (
                SELECT * FROM unnest(@ids, @statuses, @providers, @tpids, @tpstatuses, @responses, @errors, @retries, @costs,
                                     @sentats, @nexts, @outcomes, @numbers)
                  AS o(id, status, provider, tpid, tpstatus, response, error, retry, cost, sentat, next, outcome, number)
            ), u AS (
                UPDATE "Messages" m SET "Status" = o.status, "Provider" = o.provider, "ThirdPartyId" = o.tpid,
                  "ThirdPartyStatus" = o.tpstatus, "Response" = o.response, "Error" = o.error, "RetryCount" = o.retry,
                  "Cost" = o.cost, "SentAt" = o.sentat, "NextAttemptAt" = o.next, "UpdatedAt" = @now,
                  "LeaseId" = NULL, "LeaseUntil" = NULL
                FROM o
                WHERE m."Id" = o.id AND m."LeaseId" = @lease AND m."Status" = @sending
                RETURNING m."Id"
            ), a AS (
                INSERT INTO "MessageAttempts" ("MessageId","Number","At","Provider","Outcome","Error","Response")
                SELECT o.id, o.number, @now, COALESCE(o.provider, ''), o.outcome, o.error, o.response
                FROM o JOIN u ON u."Id" = o.id
                WHERE o.outcome IS NOT NULL
            )
            SELECT "Id" FROM u
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = outcomes.Select(o => o.MessageId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("statuses", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = outcomes.Select(o => (int)o.Status).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("providers", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = outcomes.Select(o => o.Provider).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("tpids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = outcomes.Select(o => o.ThirdPartyId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("tpstatuses", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = outcomes.Select(o => o.ThirdPartyStatus).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("responses", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = outcomes.Select(o => o.Response).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("errors", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = outcomes.Select(o => o.Error).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("retries", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = outcomes.Select(o => o.RetryCount).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("costs", NpgsqlDbType.Array | NpgsqlDbType.Numeric) { Value = outcomes.Select(o => o.Cost).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("sentats", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = outcomes.Select(o => o.SentAt?.UtcTicks).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("nexts", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = outcomes.Select(o => o.NextAttemptAt.UtcTicks).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("outcomes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = outcomes.Select(o => o.AttemptOutcome).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("numbers", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = outcomes.Select(o => o.AttemptNumber).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.Bigint) { Value = now.UtcTicks });
        cmd.Parameters.Add(new NpgsqlParameter("lease", NpgsqlDbType.Varchar) { Value = leaseId });
        cmd.Parameters.Add(new NpgsqlParameter("sending", NpgsqlDbType.Integer) { Value = (int)MessageStatus.Sending });
        var written = new HashSet<long>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) written.Add(reader.GetInt64(0));
        return written;
    }

    /// <summary>Returns rows whose lease ran out to pending, so that another worker sends them. Returns how many.</summary>
    public async Task<int> ReclaimExpiredAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (Postgres)
        {
            // One statement returns what it reclaimed: another node's sweeper running at the same moment waits on the
            // row locks, re-checks, and finds the rows already pending.
            var reclaimed = await db.Database.SqlQueryRaw<long>("""
                UPDATE "Messages" SET "Status" = @pending, "LeaseId" = NULL, "LeaseUntil" = NULL, "UpdatedAt" = @now
                WHERE "Status" = @sending AND "LeaseUntil" < @now
                RETURNING "BatchId" AS "Value"
                """,
                new NpgsqlParameter<int>("pending", (int)MessageStatus.Pending),
                new NpgsqlParameter<int>("sending", (int)MessageStatus.Sending),
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

    /// <summary>Sets a batch's counts from its rows (used where increments cannot be known exactly).</summary>
    public async Task RecountAsync(IReadOnlyCollection<long> batchIds, CancellationToken ct)
    {
        if (Postgres && db.Database.CurrentTransaction is not null)
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
            int Count(MessageStatus s) => counts.Where(c => c.BatchId == batchId && c.Status == s).Sum(c => c.Count);
            var (pending, sending, sent, delivered, failed, cancelled) = (Count(MessageStatus.Pending), Count(MessageStatus.Sending),
                Count(MessageStatus.Sent), Count(MessageStatus.Delivered), Count(MessageStatus.Failed), Count(MessageStatus.Cancelled));
            var suppressed = Count(MessageStatus.Suppressed);
            await db.Batches.Where(b => b.Id == batchId).ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Pending, pending).SetProperty(b => b.Sending, sending).SetProperty(b => b.Sent, sent)
                .SetProperty(b => b.Delivered, delivered).SetProperty(b => b.Failed, failed).SetProperty(b => b.Cancelled, cancelled)
                .SetProperty(b => b.Suppressed, suppressed), ct);
        }
    }

    private sealed class Params(DbCommand cmd)
    {
        public DbParameter Set(string name, object? value)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@" + name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
            return p;
        }
    }
}
