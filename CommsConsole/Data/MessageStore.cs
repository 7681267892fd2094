using System.Data.Common;
using CommsConsole.Features.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CommsConsole.Data;

/// <summary>
/// The hot write paths of messaging, in plain parameterised SQL run as one prepared command per
/// statement inside one transaction. Change tracking costs several times more than the insert itself
/// for 10,000 rows; the SQL here is portable (quoted identifiers, RETURNING) across SQLite and PostgreSQL.
/// Column names and value encodings follow the EF model (enums as integers, instants as UTC ticks).
/// </summary>
public sealed class MessageStore(AppDbContext db)
{
    /// <param name="SuppressedBecause">Set for a marketing message to an opted-out recipient: the row is written as suppressed with this reason.</param>
    public sealed record NewMessage(string Recipient, string Content, int Segments, string? Subject = null, string? SuppressedBecause = null);

    /// <summary>
    /// Writes the batch and one row per recipient in one transaction (pending, or suppressed with its reason); returns the rows
    /// with their ids.
    /// </summary>
    public async Task<List<Message>> InsertBatchAsync(Batch batch, Message prototype, IReadOnlyList<NewMessage> rows, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var suppressed = rows.Count(r => r.SuppressedBecause is not null);
        batch.Total = rows.Count;
        batch.Pending = rows.Count - suppressed;
        batch.Suppressed = suppressed;
        db.Batches.Add(batch);
        await db.SaveChangesAsync(ct);
        db.Entry(batch).State = EntityState.Detached;

        var conn = db.Database.GetDbConnection();
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx.GetDbTransaction();
        cmd.CommandText = """
            INSERT INTO "Messages" ("TenantId","UserId","BatchId","Channel","Purpose","Status","Recipient","Subject","Content","TemplateId",
              "ReceiverName","ReceiverId","CampusId","BizType","BizId","Remark","RetryCount","Cost","Segments",
              "CreatedAt","UpdatedAt","NextAttemptAt","Error")
            VALUES (@tenant,@user,@batch,@channel,@purpose,@status,@recipient,@subject,@content,@template,
              @rname,@rid,@campus,@biztype,@bizid,@remark,0,@cost,@segments,@now,@now,@due,@error)
            """;
        var p = new Params(cmd);
        p.Set("tenant", prototype.TenantId);
        p.Set("user", prototype.UserId);
        p.Set("batch", batch.Id);
        p.Set("channel", (int)prototype.Channel);
        p.Set("purpose", (int)prototype.Purpose);
        var status = p.Set("status", (int)MessageStatus.Pending);
        var error = p.Set("error", null);
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

        // Ids come back in one query instead of a RETURNING round per row: within this transaction the batch's
        // ids ascend in insertion order (SQLite rowids; on PostgreSQL this session's sequence values).
        await using var ids = conn.CreateCommand();
        ids.Transaction = tx.GetDbTransaction();
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

    private static Message Copy(Message p, long id, long batchId, NewMessage row) => new()
    {
        Id = id, TenantId = p.TenantId, UserId = p.UserId, BatchId = batchId, Channel = p.Channel, Purpose = p.Purpose,
        Status = row.SuppressedBecause is null ? MessageStatus.Pending : MessageStatus.Suppressed, Error = row.SuppressedBecause, Recipient = row.Recipient, Subject = row.Subject, Content = row.Content,
        TemplateId = p.TemplateId, ReceiverName = p.ReceiverName, ReceiverId = p.ReceiverId, CampusId = p.CampusId,
        BizType = p.BizType, BizId = p.BizId, Remark = p.Remark, Segments = row.Segments,
        CreatedAt = p.CreatedAt, UpdatedAt = p.CreatedAt, NextAttemptAt = p.NextAttemptAt,
    };

    /// <summary>
    /// Claims up to <paramref name="max"/> due pending rows for <paramref name="leaseId"/> (pending → sending)
    /// and moves them in their batches' counts. Returns the claimed rows, untracked.
    /// </summary>
    public async Task<List<Message>> ClaimAsync(string leaseId, DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken ct)
    {
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
        foreach (var group in rows.GroupBy(m => m.BatchId))
        {
            var n = group.Count();
            await db.Batches.Where(b => b.Id == group.Key)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.Pending, b => b.Pending - n).SetProperty(b => b.Sending, b => b.Sending + n), ct);
        }
        await tx.CommitAsync(ct);
        return rows;
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
        await using var update = conn.CreateCommand();
        update.Transaction = tx.GetDbTransaction();
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
        attempt.Transaction = tx.GetDbTransaction();
        attempt.CommandText = """
            INSERT INTO "MessageAttempts" ("MessageId","Number","At","Provider","Outcome","Error","Response")
            VALUES (@id,@number,@at,@provider,@outcome,@error,@response)
            """;
        var a = new Params(attempt);
        a.Set("at", now.UtcTicks);
        var (aid, anumber, aprovider, aoutcome, aerror, aresponse) = (
            a.Set("id", 0L), a.Set("number", 0), a.Set("provider", ""), a.Set("outcome", ""), a.Set("error", null), a.Set("response", null));
        await attempt.PrepareAsync(ct);

        var deltas = new Dictionary<long, int[]>();
        var written = 0;
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
            written++;

            var d = deltas.TryGetValue(batchOf[o.MessageId], out var arr) ? arr : deltas[batchOf[o.MessageId]] = new int[7];
            d[(int)MessageStatus.Sending]--;
            d[(int)o.Status]++;
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
        return written;
    }

    /// <summary>Returns rows whose lease ran out to pending, so that another worker sends them. Returns how many.</summary>
    public async Task<int> ReclaimExpiredAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
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
