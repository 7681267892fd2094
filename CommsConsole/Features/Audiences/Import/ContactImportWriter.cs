using System.Buffers;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using CommsConsole.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace CommsConsole.Features.Audiences.Import;

/// <summary>What one batch of an import did.</summary>
public sealed record BatchResult(int Imported, int Updated, int KeptUnsubscribed, IReadOnlyList<BadRow> Bad);

/// <summary>Where an import stands after a batch: persisted with the batch, in its transaction.</summary>
public sealed record ImportProgress(int RowsRead, long BytesRead, int Imported, int Updated, int Skipped, int KeptUnsubscribed);

/// <summary>
/// Writes a batch of imported contacts set-based, a statement per step rather than per row, in one transaction with the
/// batch's bad rows and the import's progress (so a job run again resumes after the last batch written). SQLite reads
/// the rows from one JSON parameter (<c>json_each</c>) and takes its turn at the file behind request writers
/// (<see cref="WriteTransaction.BeginBackgroundAsync"/>); PostgreSQL reads them as arrays (<c>unnest</c>).
/// <para>
/// A contact is matched by its normalised phone or email (the unique keys), then updated (left-out fields kept,
/// attributes merged) or inserted with <c>ON CONFLICT DO NOTHING</c>: a row that lost a race to another writer is
/// matched again and updated. Consent goes through the opt-out list and the consent history, as every consent change.
/// </para>
/// </summary>
public sealed class ContactImportWriter(AppDbContext db, TimeProvider clock)
{
    private const int Rounds = 4;
    private const int Attempts = 5;

    public sealed record Job(long ImportId, string TenantId, string By, string Lease, ResolvedMapping Mapping, bool LiftOptOuts, TimeSpan LeaseFor);

    /// <summary>Writes the batch; null when the import's lease was lost (another run took it over) and nothing was written.</summary>
    public async Task<BatchResult?> WriteAsync(Job job, IReadOnlyList<ImportRow> rows, IReadOnlyList<BadRow> bad, bool storeBad,
        Func<BatchResult, ImportProgress> progress, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryWriteAsync(job, rows, bad, storeBad, progress, ct);
            }
            catch (DbException ex) when (attempt < Attempts && IsUniqueViolation(ex))
            {
                // Another writer took an address this batch moves to an existing contact: read again and redo the batch.
            }
        }
    }

    /// <summary>A bad row's reason as the API answers it (English), cut to the column.</summary>
    private static string Stored(ErrorText reason) =>
        reason.Message.Length > ContactImportError.MaxReason ? reason.Message[..ContactImportError.MaxReason] : reason.Message;

    /// <summary>The same reason in words and values for the console to translate; none when too long to keep (the English is shown).</summary>
    private static string? StoredText(ErrorText reason) => reason.ToJson() is { Length: <= ContactImportError.MaxReasonText } json ? json : null;

    private static bool IsUniqueViolation(DbException ex) =>
        ex is SqliteException { SqliteErrorCode: 19 } || ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    private async Task<BatchResult?> TryWriteAsync(Job job, IReadOnlyList<ImportRow> rows, IReadOnlyList<BadRow> bad, bool storeBad,
        Func<BatchResult, ImportProgress> progress, CancellationToken ct)
    {
        var pg = !db.Database.IsSqlite();
        await using var tx = await WriteTransaction.BeginBackgroundAsync(db.Database, ct);
        var conn = db.Database.GetDbConnection();
        var dbTx = tx.Transaction.GetDbTransaction();
        var s = new Sql(conn, dbTx, pg);
        var now = clock.GetUtcNow().UtcTicks;
        if (pg)
        {
            // Imports of one tenant take turns: their batches would otherwise match the same new people at once.
            await s.ExecAsync("SELECT pg_advisory_xact_lock(hashtext('contact-import:' || @t))", ct, ("t", job.TenantId));
        }

        var badRows = new List<BadRow>(bad);
        var written = new List<long>(rows.Count);
        var phones = new List<string>();
        var emails = new List<string>();
        int imported = 0, updated = 0;
        var remaining = rows;
        for (var round = 0; round < Rounds && remaining.Count > 0; round++)
        {
            var matches = await MatchAsync(s, job.TenantId, remaining, ct);
            var inserts = new List<ImportRow>();
            var updates = new List<(ImportRow Row, long Id)>();
            var claimed = new Dictionary<long, int>();
            for (var i = 0; i < remaining.Count; i++)
            {
                var row = remaining[i];
                if (!matches.TryGetValue(i, out var found))
                {
                    inserts.Add(row);
                    continue;
                }
                if (found.ByPhone is { } byPhone && found.ByEmail is { } byEmail && byPhone != byEmail)
                {
                    badRows.Add(new BadRow(row.Line, ErrorText.Of($"email: the phone number belongs to contact {byPhone} and the email address to contact {byEmail}"), null));
                    continue;
                }
                var id = found.ByPhone ?? found.ByEmail!.Value;
                if (claimed.TryGetValue(id, out var first))
                {
                    badRows.Add(new BadRow(row.Line, ErrorText.Of($"the same contact ({id}) as line {first}"), null));
                    continue;
                }
                claimed[id] = row.Line;
                updates.Add((row, id));
            }
            if (updates.Count > 0)
            {
                await UpdateAsync(s, updates, now, ct);
                updated += updates.Count;
                foreach (var (row, id) in updates) Written(row, id);
            }
            var lost = new List<ImportRow>();
            if (inserts.Count > 0)
            {
                var ids = await InsertAsync(s, job, inserts, now, ct);
                foreach (var row in inserts)
                {
                    if ((row.Phone is not null && ids.TryGetValue(("p", row.Phone), out var id)) || (row.Email is not null && ids.TryGetValue(("e", row.Email), out id)))
                    {
                        imported++;
                        Written(row, id);
                    }
                    else lost.Add(row);
                }
            }
            remaining = lost;
        }
        foreach (var row in remaining) badRows.Add(new BadRow(row.Line, ErrorText.Of("contact: changed by other requests at the same moment; import the row again"), null));

        void Written(ImportRow row, long id)
        {
            written.Add(id);
            if (row.Phone is not null) phones.Add(row.Phone);
            if (row.Email is not null) emails.Add(row.Email);
        }

        if (written.Count > 0 && job.Mapping.Tags.Count > 0)
        {
            await s.ExecAsync(pg
                ? """INSERT INTO "ContactTags" ("ContactId","Tag") SELECT i, t FROM unnest(@ids) AS i CROSS JOIN unnest(@tags) AS t ON CONFLICT DO NOTHING"""
                : """INSERT INTO "ContactTags" ("ContactId","Tag") SELECT i.value, t.value FROM json_each(@ids) AS i, json_each(@tags) AS t WHERE true ON CONFLICT DO NOTHING""",
                ct, ("ids", s.Array(written)), ("tags", s.Array(job.Mapping.Tags)));
        }
        if (written.Count > 0 && job.Mapping.ListId is { } list)
        {
            // A list deleted while the import runs is simply not joined.
            await s.ExecAsync(pg
                ? """INSERT INTO "ContactListMembers" ("ListId","ContactId","AddedAt") SELECT @list, i, @now FROM unnest(@ids) AS i WHERE EXISTS (SELECT 1 FROM "ContactLists" WHERE "Id" = @list) ON CONFLICT DO NOTHING"""
                : """INSERT INTO "ContactListMembers" ("ListId","ContactId","AddedAt") SELECT @list, i.value, @now FROM json_each(@ids) AS i WHERE EXISTS (SELECT 1 FROM "ContactLists" WHERE "Id" = @list) ON CONFLICT DO NOTHING""",
                ct, ("list", list), ("now", now), ("ids", s.Array(written)));
        }
        var kept = 0;
        if (job.Mapping.StatedConsent)
        {
            kept += await ConsentAsync(s, job, Channel.Sms, phones, now, ct);
            kept += await ConsentAsync(s, job, Channel.Email, emails, now, ct);
        }

        var result = new BatchResult(imported, updated, kept, badRows);
        if (storeBad && badRows.Count > 0)
        {
            await s.ExecAsync(pg
                ? """INSERT INTO "ContactImportErrors" ("ImportId","Line","Reason","ReasonText","Raw") SELECT @id, l, r, t, w FROM unnest(@lines, @reasons, @texts, @raws) AS e(l, r, t, w) ON CONFLICT DO NOTHING"""
                : """INSERT INTO "ContactImportErrors" ("ImportId","Line","Reason","ReasonText","Raw") SELECT @id, e.value->>0, e.value->>1, e.value->>2, e.value->>3 FROM json_each(@errors) AS e WHERE true ON CONFLICT DO NOTHING""",
                ct, pg
                    ? [("id", job.ImportId), ("lines", badRows.Select(b => b.Line).ToArray()), ("reasons", badRows.Select(b => Stored(b.Reason)).ToArray()),
                       ("texts", badRows.Select(b => StoredText(b.Reason)).ToArray()), ("raws", badRows.Select(b => b.Raw).ToArray())]
                    : [("id", job.ImportId), ("errors", Json(badRows, (w, b) =>
                        {
                            w.WriteNumberValue(b.Line);
                            w.WriteStringValue(Stored(b.Reason));
                            Nullable(w, StoredText(b.Reason));
                            Nullable(w, b.Raw);
                        }))]);
        }
        var p = progress(result);
        var mine = await s.ExecAsync("""
            UPDATE "ContactImports" SET "RowsRead" = @rows, "BytesRead" = @bytes, "Imported" = @imported, "Updated" = @updated, "Skipped" = @skipped,
              "KeptUnsubscribed" = @kept, "LeaseUntil" = @until, "UpdatedAt" = @now
            WHERE "Id" = @id AND "LeaseId" = @lease
            """, ct, ("rows", p.RowsRead), ("bytes", p.BytesRead), ("imported", p.Imported), ("updated", p.Updated), ("skipped", p.Skipped),
            ("kept", p.KeptUnsubscribed), ("until", now + job.LeaseFor.Ticks), ("now", now), ("id", job.ImportId), ("lease", job.Lease));
        if (mine == 0) return null;
        await tx.CommitAsync(ct);
        return result;
    }

    private static async Task<Dictionary<int, (long? ByPhone, long? ByEmail)>> MatchAsync(Sql s, string tenant, IReadOnlyList<ImportRow> rows, CancellationToken ct)
    {
        var found = new Dictionary<int, (long?, long?)>();
        await using var cmd = s.Command(s.Pg
            ? """
              SELECT r.i - 1, p."Id", e."Id" FROM unnest(@phones, @emails) WITH ORDINALITY AS r(phone, email, i)
              LEFT JOIN "Contacts" AS p ON p."TenantId" = @t AND p."Phone" = r.phone
              LEFT JOIN "Contacts" AS e ON e."TenantId" = @t AND e."Email" = r.email
              WHERE p."Id" IS NOT NULL OR e."Id" IS NOT NULL
              """
            : """
              SELECT r.key, p."Id", e."Id" FROM json_each(@rows) AS r
              LEFT JOIN "Contacts" AS p ON p."TenantId" = @t AND p."Phone" = r.value->>0
              LEFT JOIN "Contacts" AS e ON e."TenantId" = @t AND e."Email" = r.value->>1
              WHERE p."Id" IS NOT NULL OR e."Id" IS NOT NULL
              """);
        s.Add(cmd, "t", tenant);
        if (s.Pg)
        {
            s.Add(cmd, "phones", rows.Select(r => r.Phone).ToArray());
            s.Add(cmd, "emails", rows.Select(r => r.Email).ToArray());
        }
        else s.Add(cmd, "rows", Json(rows, (w, r) => { Nullable(w, r.Phone); Nullable(w, r.Email); }));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found[(int)reader.GetInt64(0)] = (reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2));
        }
        return found;
    }

    private static async Task<Dictionary<(string, string), long>> InsertAsync(Sql s, Job job, List<ImportRow> rows, long now, CancellationToken ct)
    {
        await using var cmd = s.Command(s.Pg
            ? """
              INSERT INTO "Contacts" ("TenantId","Phone","Email","Name","Attributes","Source","CreatedAt","UpdatedAt","CreatedBy")
              SELECT @t, r.phone, r.email, r.name, COALESCE(r.attrs, '{}'), @source, @now, @now, @by
              FROM unnest(@phones, @emails, @names, @attrs) WITH ORDINALITY AS r(phone, email, name, attrs, i) ORDER BY r.i
              ON CONFLICT DO NOTHING
              RETURNING "Id", "Phone", "Email"
              """
            : """
              INSERT INTO "Contacts" ("TenantId","Phone","Email","Name","Attributes","Source","CreatedAt","UpdatedAt","CreatedBy")
              SELECT @t, r.value->>0, r.value->>1, r.value->>2, COALESCE(r.value->>3, '{}'), @source, @now, @now, @by
              FROM json_each(@rows) AS r WHERE true ORDER BY r.key
              ON CONFLICT DO NOTHING
              RETURNING "Id", "Phone", "Email"
              """);
        s.Add(cmd, "t", job.TenantId);
        s.Add(cmd, "source", (int)ContactSource.Import);
        s.Add(cmd, "now", now);
        s.Add(cmd, "by", job.By);
        AddRows(s, cmd, rows.Select(r => (r, 0L)).ToList(), withIds: false);
        var ids = new Dictionary<(string, string), long>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetInt64(0);
            if (!reader.IsDBNull(1)) ids[("p", reader.GetString(1))] = id;
            if (!reader.IsDBNull(2)) ids[("e", reader.GetString(2))] = id;
        }
        return ids;
    }

    private static async Task UpdateAsync(Sql s, List<(ImportRow Row, long Id)> rows, long now, CancellationToken ct)
    {
        // Left-out fields are kept and attributes merged key by key, as an upsert through the API does; a merge that
        // would outgrow the column keeps the attributes as they were.
        await using var cmd = s.Command(s.Pg
            ? $"""
              UPDATE "Contacts" AS c SET "Phone" = COALESCE(u.phone, c."Phone"), "Email" = COALESCE(u.email, c."Email"), "Name" = COALESCE(u.name, c."Name"),
                "Attributes" = CASE WHEN u.attrs IS NULL THEN c."Attributes"
                  WHEN length((c."Attributes"::jsonb || u.attrs::jsonb)::text) <= {Contact.MaxAttributesJson} THEN (c."Attributes"::jsonb || u.attrs::jsonb)::text
                  ELSE c."Attributes" END,
                "UpdatedAt" = @now
              FROM unnest(@ids, @phones, @emails, @names, @attrs) AS u(id, phone, email, name, attrs)
              WHERE c."Id" = u.id
              """
            : $"""
              UPDATE "Contacts" AS c SET "Phone" = COALESCE(u.value->>0, c."Phone"), "Email" = COALESCE(u.value->>1, c."Email"), "Name" = COALESCE(u.value->>2, c."Name"),
                "Attributes" = CASE WHEN u.value->>3 IS NULL THEN c."Attributes"
                  WHEN length(json_patch(c."Attributes", u.value->>3)) <= {Contact.MaxAttributesJson} THEN json_patch(c."Attributes", u.value->>3)
                  ELSE c."Attributes" END,
                "UpdatedAt" = @now
              FROM json_each(@rows) AS u
              WHERE c."Id" = u.value->>4
              """);
        s.Add(cmd, "now", now);
        AddRows(s, cmd, rows, withIds: true);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static void AddRows(Sql s, DbCommand cmd, IReadOnlyList<(ImportRow Row, long Id)> rows, bool withIds)
    {
        if (s.Pg)
        {
            if (withIds) s.Add(cmd, "ids", rows.Select(r => r.Id).ToArray());
            s.Add(cmd, "phones", rows.Select(r => r.Row.Phone).ToArray());
            s.Add(cmd, "emails", rows.Select(r => r.Row.Email).ToArray());
            s.Add(cmd, "names", rows.Select(r => r.Row.Name).ToArray());
            s.Add(cmd, "attrs", rows.Select(r => r.Row.Attributes).ToArray());
            return;
        }
        s.Add(cmd, "rows", Json(rows, (w, r) =>
        {
            Nullable(w, r.Row.Phone);
            Nullable(w, r.Row.Email);
            Nullable(w, r.Row.Name);
            Nullable(w, r.Row.Attributes);
            w.WriteNumberValue(r.Id);
        }));
    }

    /// <summary>
    /// The batch's addresses subscribe with the import's stated consent, as <c>SuppressionService.SetConsentAsync</c>
    /// would one by one: an event in the history unless the last word was already a yes, and an opt-out lifted only when
    /// the importer may lift one (an Admin); otherwise it stays, and is counted. Returns the opt-outs kept.
    /// </summary>
    private static async Task<int> ConsentAsync(Sql s, Job job, Channel channel, List<string> addresses, long now, CancellationToken ct)
    {
        if (addresses.Count == 0) return 0;
        var active = s.Pg
            ? """EXISTS (SELECT 1 FROM "Suppressions" AS x WHERE x."TenantId" = @t AND x."Channel" = @ch AND x."Address" = a AND x."RemovedAt" IS NULL)"""
            : """EXISTS (SELECT 1 FROM "Suppressions" AS x WHERE x."TenantId" = @t AND x."Channel" = @ch AND x."Address" = a.value AND x."RemovedAt" IS NULL)""";
        var lastYes = s.Pg
            ? """COALESCE((SELECT e."Subscribed" FROM "ConsentEvents" AS e WHERE e."TenantId" = @t AND e."Channel" = @ch AND e."Address" = a ORDER BY e."At" DESC, e."Id" DESC LIMIT 1), false)"""
            : """COALESCE((SELECT e."Subscribed" FROM "ConsentEvents" AS e WHERE e."TenantId" = @t AND e."Channel" = @ch AND e."Address" = a.value ORDER BY e."At" DESC, e."Id" DESC LIMIT 1), 0)""";
        var args = new (string, object?)[]
        {
            ("t", job.TenantId), ("ch", (int)channel), ("addrs", s.Array(addresses)), ("lift", job.LiftOptOuts), ("method", (int)ConsentMethod.Import),
            ("note", $"CSV import {job.ImportId}"), ("now", now), ("by", job.By),
        };
        await s.ExecAsync(s.Pg
            ? $"""
              INSERT INTO "ConsentEvents" ("TenantId","Channel","Address","Subscribed","Method","Note","At","By")
              SELECT @t, @ch, a, true, @method, @note, @now, @by FROM unnest(@addrs) AS a
              WHERE CASE WHEN {active} THEN @lift ELSE NOT {lastYes} END
              """
            : $"""
              INSERT INTO "ConsentEvents" ("TenantId","Channel","Address","Subscribed","Method","Note","At","By")
              SELECT @t, @ch, a.value, 1, @method, @note, @now, @by FROM json_each(@addrs) AS a
              WHERE CASE WHEN {active} THEN @lift ELSE NOT {lastYes} END
              """, ct, args);
        var inBatch = s.Pg ? "\"Address\" = ANY(@addrs)" : "\"Address\" IN (SELECT value FROM json_each(@addrs))";
        if (job.LiftOptOuts)
        {
            await s.ExecAsync($"""
                UPDATE "Suppressions" SET "RemovedAt" = @now, "RemovedBy" = @by, "RemovalReason" = @note
                WHERE "TenantId" = @t AND "Channel" = @ch AND "RemovedAt" IS NULL AND {inBatch}
                """, ct, args);
            return 0;
        }
        await using var count = s.Command($"""SELECT COUNT(*) FROM "Suppressions" WHERE "TenantId" = @t AND "Channel" = @ch AND "RemovedAt" IS NULL AND {inBatch}""");
        s.Add(count, "t", job.TenantId);
        s.Add(count, "ch", (int)channel);
        s.Add(count, "addrs", s.Array(addresses));
        return Convert.ToInt32(await count.ExecuteScalarAsync(ct));
    }

    private static string Json<T>(IEnumerable<T> items, Action<Utf8JsonWriter, T> write)
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

    private static void Nullable(Utf8JsonWriter w, string? value)
    {
        if (value is null) w.WriteNullValue();
        else w.WriteStringValue(value);
    }

    /// <summary>Plain commands on the context's connection and transaction; lists as arrays (PostgreSQL) or JSON arrays (SQLite).</summary>
    private sealed class Sql(DbConnection conn, DbTransaction tx, bool pg)
    {
        public bool Pg => pg;

        public DbCommand Command(string text)
        {
            var cmd = conn.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = text;
            return cmd;
        }

        public void Add(DbCommand cmd, string name, object? value)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@" + name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }

        public object Array<T>(IReadOnlyCollection<T> values) => pg ? values.ToArray() : JsonSerializer.Serialize(values);

        public async Task<int> ExecAsync(string text, CancellationToken ct, params (string Name, object? Value)[] args)
        {
            await using var cmd = Command(text);
            foreach (var (name, value) in args) Add(cmd, name, value);
            return await cmd.ExecuteNonQueryAsync(ct);
        }
    }
}
