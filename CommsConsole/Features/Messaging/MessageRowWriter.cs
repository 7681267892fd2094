using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using CommsConsole.Data;

namespace CommsConsole.Features.Messaging;

/// <summary>
/// The row writers of <see cref="MessageLedger"/>'s hot paths, in plain parameterised SQL on the ledger's connection and
/// transaction. Column names and value encodings follow the EF model (enums as integers, instants as UTC ticks).
/// <para>
/// SQLite (in-process, one writer at a time) runs one prepared command per row: a statement costs microseconds. PostgreSQL
/// is a server shared by several nodes: rows go in with binary <c>COPY</c>, outcomes are written set-based in one
/// statement per chunk.
/// </para>
/// </summary>
internal static class MessageRowWriter
{
    /// <summary>SQLite: one prepared insert per row.</summary>
    public static async Task InsertPerRowAsync(DbConnection conn, DbTransaction tx, long batchId, Message prototype, IReadOnlyList<MessageLedger.NewMessage> rows, CancellationToken ct)
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
        var p = new CommandParameters(cmd);
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
            status.Value = (int)row.Status;
            error.Value = (object?)row.SuppressedBecause ?? DBNull.Value;
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>PostgreSQL: every row in one binary COPY stream (one round trip, no per-row statement).</summary>
    public static async Task CopyPostgresAsync(NpgsqlConnection conn, long batchId, Message p, IReadOnlyList<MessageLedger.NewMessage> rows, CancellationToken ct)
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
            await copy.WriteAsync((int)row.Status, NpgsqlDbType.Integer, ct);
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

    /// <summary>SQLite: one prepared update and attempt insert per row; returns the ids written.</summary>
    public static async Task<HashSet<long>> CompletePerRowAsync(DbConnection conn, DbTransaction tx, string leaseId, IReadOnlyList<MessageLedger.Outcome> outcomes,
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
        var u = new CommandParameters(update);
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
        var a = new CommandParameters(attempt);
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
    public static async Task<HashSet<long>> CompletePostgresAsync(NpgsqlConnection conn, string leaseId, IReadOnlyList<MessageLedger.Outcome> outcomes,
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
}
