using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using CommsConsole.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CommsConsole.Features.Webhooks;

/// <summary>
/// Records events as outbox rows (<see cref="WebhookDelivery"/>, one per event and endpoint) in the transaction that writes
/// the outcome causing them, so an outcome and its events are written or lost together; the delivery worker sends them
/// later, outside that transaction. Set-wise: one <c>INSERT … SELECT</c> per event kind and chunk, joining the rows to the
/// tenants' enabled endpoints that want the event. Nothing at all is written, or asked of the database beyond a cached
/// check, while no endpoint wants the event.
/// </summary>
public sealed class WebhookOutbox(WebhookSubscriptions subscriptions, WebhookSignal signal)
{
    private const string Columns = """
        "EndpointId","TenantId","Event","MessageId","BatchId","Data","OccurredAt","Status","Attempts","NextAttemptAt","CreatedAt"
        """;

    /// <summary>
    /// The event <paramref name="eventName"/> for each of <paramref name="messageIds"/>, for every enabled endpoint of the
    /// message's tenant that wants it. Joins the caller's open transaction.
    /// </summary>
    public async Task RecordMessagesAsync(AppDbContext db, string eventName, IReadOnlyCollection<long> messageIds, DateTimeOffset now, CancellationToken ct)
    {
        if (messageIds.Count == 0 || !await subscriptions.AnyWantsAsync(db, eventName, ct)) return;
        var postgres = db.Database.IsNpgsql();
        var sql = $"""
            INSERT INTO "WebhookDeliveries" ({Columns})
            SELECT e."Id", m."TenantId", @event, m."Id", m."BatchId", NULL, @now, 0, 0, @now, @now
            FROM "Messages" m JOIN "WebhookEndpoints" e ON e."TenantId" = m."TenantId" AND e."Enabled" AND (e."EventMask" & @bit) <> 0
            WHERE {(postgres ? "m.\"Id\" = ANY(@ids)" : "m.\"Id\" IN (SELECT value FROM json_each(@ids))")}
            ORDER BY m."Id", e."Id"
            """;
        var ids = postgres
            ? (DbParameter)new NpgsqlParameter<long[]>("ids", messageIds.ToArray())
            : new SqliteParameter("@ids", JsonSerializer.Serialize(messageIds));
        await InsertAsync(db, sql, postgres, eventName, now, ct, ids);
    }

    /// <summary>The event <paramref name="eventName"/> for a batch's rows with <paramref name="status"/> (rows written suppressed at accept).</summary>
    public async Task RecordBatchRowsAsync(AppDbContext db, string eventName, long batchId, MessageStatus status, DateTimeOffset now, CancellationToken ct)
    {
        if (!await subscriptions.AnyWantsAsync(db, eventName, ct)) return;
        var postgres = db.Database.IsNpgsql();
        var sql = $"""
            INSERT INTO "WebhookDeliveries" ({Columns})
            SELECT e."Id", m."TenantId", @event, m."Id", m."BatchId", NULL, @now, 0, 0, @now, @now
            FROM "Messages" m JOIN "WebhookEndpoints" e ON e."TenantId" = m."TenantId" AND e."Enabled" AND (e."EventMask" & @bit) <> 0
            WHERE m."BatchId" = @batch AND m."Status" = @status
            ORDER BY m."Id", e."Id"
            """;
        await InsertAsync(db, sql, postgres, eventName, now, ct, Parameter(postgres, "batch", batchId), Parameter(postgres, "status", (int)status));
    }

    /// <summary><c>batch.completed</c> for each of <paramref name="batchIds"/> that has nothing left pending or sending.</summary>
    public async Task RecordCompletedBatchesAsync(AppDbContext db, IReadOnlyCollection<long> batchIds, DateTimeOffset now, CancellationToken ct)
    {
        if (batchIds.Count == 0 || !await subscriptions.AnyWantsAsync(db, WebhookEvents.BatchCompleted, ct)) return;
        var postgres = db.Database.IsNpgsql();
        var sql = $"""
            INSERT INTO "WebhookDeliveries" ({Columns})
            SELECT e."Id", b."TenantId", @event, NULL, b."Id", NULL, @now, 0, 0, @now, @now
            FROM "Batches" b JOIN "WebhookEndpoints" e ON e."TenantId" = b."TenantId" AND e."Enabled" AND (e."EventMask" & @bit) <> 0
            WHERE {(postgres ? "b.\"Id\" = ANY(@ids)" : "b.\"Id\" IN (SELECT value FROM json_each(@ids))")} AND b."Pending" = 0 AND b."Sending" = 0
            ORDER BY b."Id", e."Id"
            """;
        var ids = postgres
            ? (DbParameter)new NpgsqlParameter<long[]>("ids", batchIds.ToArray())
            : new SqliteParameter("@ids", JsonSerializer.Serialize(batchIds));
        await InsertAsync(db, sql, postgres, WebhookEvents.BatchCompleted, now, ct, ids);
    }

    /// <summary>
    /// An event that is not a message's (a contact unsubscribed), with its data, for every enabled endpoint of
    /// <paramref name="tenantId"/> that wants it: added to <paramref name="db"/> to be saved with the caller's own changes.
    /// Returns the rows added (for the caller to detach should its save fail).
    /// </summary>
    public async Task<IReadOnlyList<WebhookDelivery>> AddAsync(AppDbContext db, string tenantId, string eventName, object data, DateTimeOffset now, CancellationToken ct)
    {
        if (!await subscriptions.AnyWantsAsync(db, eventName, ct)) return [];
        var bit = WebhookEvents.Bit(eventName);
        var endpoints = await db.WebhookEndpoints.AsNoTracking()
            .Where(e => e.TenantId == tenantId && e.Enabled && (e.EventMask & bit) != 0).Select(e => e.Id).ToListAsync(ct);
        if (endpoints.Count == 0) return [];
        var json = JsonSerializer.Serialize(data, WebhookPayloads.Json);
        var rows = endpoints.Select(id => new WebhookDelivery
        {
            EndpointId = id, TenantId = tenantId, Event = eventName, Data = json, OccurredAt = now, NextAttemptAt = now, CreatedAt = now,
        }).ToList();
        db.WebhookDeliveries.AddRange(rows);
        signal.Kick();
        return rows;
    }

    /// <summary>
    /// A contact's erasure: the <c>contact.unsubscribed</c> events of <paramref name="tenantId"/> naming one of
    /// <paramref name="addresses"/>, delivered or not, get <paramref name="erased"/> for their address and lose their note,
    /// as the consent history does. Changes tracked entities of <paramref name="db"/>; the caller saves them in its
    /// transaction. Returns how many.
    /// </summary>
    public static async Task<int> EraseAddressesAsync(AppDbContext db, string tenantId, IEnumerable<string?> addresses, string erased, CancellationToken ct)
    {
        var n = 0;
        foreach (var address in addresses.Where(a => !string.IsNullOrEmpty(a)))
        {
            // The address as the payload spells it (AddAsync's serializer), so that a phone's '+' or an address's quote match.
            var token = "\"address\":" + JsonSerializer.Serialize(address, WebhookPayloads.Json);
            var rows = await db.WebhookDeliveries
                .Where(d => d.TenantId == tenantId && d.Event == WebhookEvents.ContactUnsubscribed && d.Data != null && d.Data.Contains(token))
                .ToListAsync(ct);
            foreach (var row in rows)
            {
                if (JsonNode.Parse(row.Data!) is not JsonObject data) continue;
                data["address"] = erased;
                data["note"] = null;
                row.Data = data.ToJsonString(WebhookPayloads.Json);
                n++;
            }
        }
        return n;
    }

    private async Task InsertAsync(AppDbContext db, string sql, bool postgres, string eventName, DateTimeOffset now, CancellationToken ct, params DbParameter[] more)
    {
        DbParameter[] parameters =
        [
            Parameter(postgres, "event", eventName),
            Parameter(postgres, "bit", WebhookEvents.Bit(eventName)),
            Parameter(postgres, "now", now.UtcTicks),
            .. more,
        ];
        var n = await db.Database.ExecuteSqlRawAsync(sql, parameters, ct);
        if (n > 0) signal.Kick();
    }

    private static DbParameter Parameter<T>(bool postgres, string name, T value) =>
        postgres ? new NpgsqlParameter<T>(name, value) : new SqliteParameter("@" + name, value);
}
