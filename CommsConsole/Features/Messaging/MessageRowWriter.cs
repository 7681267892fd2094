using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Messaging;

/// <summary>
/// The row writers of <see cref="MessageLedger"/>'s hot paths, in plain parameterised SQL on the ledger's connection and
/// transaction. Column names and value encodings follow the EF model (enums as integers, instants as UTC ticks).
/// <para>
/// Both write set-based, a statement per chunk rather than per row: SQLite reads the rows from one JSON array parameter
/// (<c>json_each</c>); PostgreSQL takes rows with binary <c>COPY</c> and outcomes as arrays (<c>unnest</c>).
/// </para>
/// </summary>
internal static class MessageRowWriter
{
    /// <summary>
    /// SQLite: every row in one statement. The rows travel as one JSON array parameter read by <c>json_each</c>: a
    /// prepared insert per row spent as long binding its 24 named parameters (looked up by name on every run) as SQLite
    /// spent writing the row.
    /// </summary>
    public static async Task InsertSqliteAsync(DbConnection conn, DbTransaction tx, long batchId, Message prototype, IReadOnlyList<MessageLedger.NewMessage> rows, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO "Messages" ("TenantId","UserId","BatchId","Channel","Purpose","Status","Recipient","Subject","Content","IsHtml","TemplateId",
              "ReceiverName","ReceiverId","CampusId","BizType","BizId","Remark","RetryCount","Cost","Segments",
              "CreatedAt","UpdatedAt","NextAttemptAt","Error")
            SELECT @tenant,@user,@batch,@channel,@purpose,r.value->>0,r.value->>1,r.value->>2,r.value->>3,@html,@template,
              @rname,@rid,@campus,@biztype,@bizid,@remark,0,@cost,r.value->>4,@now,@now,@due,r.value->>5
            FROM json_each(@rows) AS r
            ORDER BY r.key
            """;
        var p = new CommandParameters(cmd);
        p.Set("tenant", prototype.TenantId);
        p.Set("user", prototype.UserId);
        p.Set("batch", batchId);
        p.Set("channel", (int)prototype.Channel);
        p.Set("purpose", (int)prototype.Purpose);
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
        p.Set("rows", JsonRows(rows, (w, row) =>
        {
            w.WriteNumberValue((int)row.Status);
            w.WriteStringValue(row.Recipient);
            WriteNullable(w, row.Subject);
            w.WriteStringValue(row.Content);
            w.WriteNumberValue(row.Segments);
            WriteNullable(w, row.SuppressedBecause);
        }));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Both providers: one <c>INSERT … SELECT</c> writes a pending row of <paramref name="row"/>'s content to every address
    /// the query <paramref name="addresses"/> yields, inside the database (a million rows without one passing through the
    /// app). The query's own SQL and parameters, as EF Core translates it, become the statement's source. Returns how many.
    /// <para>
    /// On SQLite the rows are written in address order: the recipient's index then takes them one after the other
    /// instead of all over a million entries (sorting included, a million rows from contacts in id order: 3.2–3.4 s
    /// against 6.7–7.4 s in the sqlite3 shell). PostgreSQL writes them as the query yields them (not measured there).
    /// </para>
    /// </summary>
    public static async Task<int> InsertSelectAsync(IQueryable<string> addresses, DbTransaction tx, bool postgres, long batchId, Message prototype,
        MessageLedger.NewMessage row, CancellationToken ct)
    {
        await using var cmd = addresses.CreateDbCommand();
        cmd.Transaction = tx;
        // PostgreSQL types a NULL parameter from its use, and a SELECT list gives it none: cast where a value may be NULL.
        string As(string parameter, string pgType) => postgres ? $"CAST({parameter} AS {pgType})" : parameter;
        cmd.CommandText = $"""
            WITH a(addr) AS ({cmd.CommandText})
            INSERT INTO "Messages" ("TenantId","UserId","BatchId","Channel","Purpose","Status","Recipient","Subject","Content","IsHtml","TemplateId",
              "ReceiverName","ReceiverId","CampusId","BizType","BizId","Remark","RetryCount","Cost","Segments",
              "CreatedAt","UpdatedAt","NextAttemptAt","Error")
            SELECT @x_tenant,@x_user,@x_batch,@x_channel,@x_purpose,@x_status,a.addr,{As("@x_subject", "varchar")},@x_content,@x_html,{As("@x_template", "integer")},
              {As("@x_rname", "varchar")},{As("@x_rid", "bigint")},{As("@x_campus", "bigint")},{As("@x_biztype", "varchar")},{As("@x_bizid", "bigint")},{As("@x_remark", "varchar")},
              0,@x_cost,@x_segments,@x_now,@x_now,@x_due,NULL
            FROM a{(postgres ? "" : " ORDER BY a.addr")}
            """;
        var p = new CommandParameters(cmd);
        p.Set("x_tenant", prototype.TenantId);
        p.Set("x_user", prototype.UserId);
        p.Set("x_batch", batchId);
        p.Set("x_channel", (int)prototype.Channel);
        p.Set("x_purpose", (int)prototype.Purpose);
        p.Set("x_status", (int)MessageStatus.Pending);
        p.Set("x_subject", row.Subject);
        p.Set("x_content", row.Content);
        p.Set("x_html", prototype.IsHtml);
        p.Set("x_template", prototype.TemplateId);
        p.Set("x_rname", prototype.ReceiverName);
        p.Set("x_rid", prototype.ReceiverId);
        p.Set("x_campus", prototype.CampusId);
        p.Set("x_biztype", prototype.BizType);
        p.Set("x_bizid", prototype.BizId);
        p.Set("x_remark", prototype.Remark);
        p.Set("x_cost", 0m);
        p.Set("x_segments", row.Segments);
        p.Set("x_now", prototype.CreatedAt.UtcTicks);
        p.Set("x_due", prototype.NextAttemptAt.UtcTicks);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A JSON array holding one array per item, written by <paramref name="write"/>; text, as SQLite's JSON functions read it.</summary>
    private static string JsonRows<T>(IEnumerable<T> items, Action<Utf8JsonWriter, T> write)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var item in items)
            {
                w.WriteStartArray();
                write(w, item);
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteNullable(Utf8JsonWriter w, string? value)
    {
        if (value is null) w.WriteNullValue();
        else w.WriteStringValue(value);
    }

    private static void WriteNullable(Utf8JsonWriter w, long? value)
    {
        if (value is { } v) w.WriteNumberValue(v);
        else w.WriteNullValue();
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

    /// <summary>
    /// The outcome update of <see cref="CompleteSqliteAsync"/>: each outcome finds its row by primary key. The unary
    /// <c>+</c> keeps the lease and status checks off the indexes: offered them, SQLite walks every leased row and reads
    /// the whole JSON array for each.
    /// </summary>
    internal const string CompleteSqliteSql = """
        UPDATE "Messages" AS m SET "Status"=o.value->>1,"Provider"=o.value->>2,"ThirdPartyId"=o.value->>3,"ThirdPartyStatus"=o.value->>4,
          "Response"=o.value->>5,"Error"=o.value->>6,"RetryCount"=o.value->>7,"Cost"=o.value->>8,"SentAt"=o.value->>9,
          "NextAttemptAt"=o.value->>10,"UpdatedAt"=@now,"LeaseId"=NULL,"LeaseUntil"=NULL
        FROM json_each(@outcomes) AS o
        WHERE m."Id"=o.value->>0 AND +m."LeaseId"=@lease AND +m."Status"=@sending
        RETURNING "Id"
        """;

    /// <summary>
    /// SQLite: the chunk's outcomes travel as one JSON array and are written in two statements: the rows still leased to
    /// us are updated (returning their ids), and an attempt is inserted for exactly those (but for rows held back or
    /// suppressed before any provider saw them, which have no attempt). Returns the ids written.
    /// </summary>
    public static async Task<HashSet<long>> CompleteSqliteAsync(DbConnection conn, DbTransaction tx, string leaseId, IReadOnlyList<MessageLedger.Outcome> outcomes,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var update = conn.CreateCommand();
        update.Transaction = tx;
        update.CommandText = CompleteSqliteSql;
        var u = new CommandParameters(update);
        u.Set("now", now.UtcTicks);
        u.Set("lease", leaseId);
        u.Set("sending", (int)MessageStatus.Sending);
        u.Set("outcomes", JsonRows(outcomes, (w, o) =>
        {
            w.WriteNumberValue(o.MessageId);
            w.WriteNumberValue((int)o.Status);
            WriteNullable(w, o.Provider);
            WriteNullable(w, o.ThirdPartyId);
            WriteNullable(w, o.ThirdPartyStatus);
            WriteNullable(w, o.Response);
            WriteNullable(w, o.Error);
            w.WriteNumberValue(o.RetryCount);
            // The text Microsoft.Data.Sqlite writes for a decimal parameter, as the rows' other costs hold.
            w.WriteStringValue(o.Cost.ToString("0.0###########################", CultureInfo.InvariantCulture));
            WriteNullable(w, o.SentAt?.UtcTicks);
            w.WriteNumberValue(o.NextAttemptAt.UtcTicks);
        }));
        var written = new HashSet<long>();
        await using (var reader = await update.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) written.Add(reader.GetInt64(0));
        }

        var attempts = outcomes.Where(o => o.AttemptOutcome is not null && written.Contains(o.MessageId)).ToList();
        if (attempts.Count == 0) return written;
        await using var insert = conn.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO "MessageAttempts" ("MessageId","Number","At","Provider","Outcome","Error","Response")
            SELECT a.value->>0,a.value->>1,@at,a.value->>2,a.value->>3,a.value->>4,a.value->>5
            FROM json_each(@attempts) AS a
            ORDER BY a.key
            """;
        var a = new CommandParameters(insert);
        a.Set("at", now.UtcTicks);
        a.Set("attempts", JsonRows(attempts, (w, o) =>
        {
            w.WriteNumberValue(o.MessageId);
            w.WriteNumberValue(o.AttemptNumber);
            w.WriteStringValue(o.Provider ?? "");
            w.WriteStringValue(o.AttemptOutcome);
            WriteNullable(w, o.Error);
            WriteNullable(w, o.Response);
        }));
        await insert.ExecuteNonQueryAsync(ct);
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
