using System.Globalization;
using CommsConsole.Data;
using CommsConsole.Features.Tenancy;
using CsvHelper;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Compliance;

public sealed record SuppressionFilter(string? TenantId = null, Channel? Channel = null, string? Search = null, int Page = 1, int PageSize = 20);

public sealed record ImportResult(int Added, int AlreadySuppressed);

/// <summary>
/// The suppression list: who must not receive marketing from a tenant on a channel. Sends and dispatch ask it;
/// unsubscribe links and SMS replies add to it; Admins search, add, remove, import and export it.
/// </summary>
public sealed class SuppressionService(AppDbContext db, TimeProvider clock, Webhooks.WebhookOutbox? webhooks = null)
{
    public const int MaxImportRows = 100_000;
    private const int LookupChunk = 500;

    public static string Describe(SuppressionReason reason) => reason switch
    {
        SuppressionReason.UnsubscribeLink => "unsubscribe link",
        SuppressionReason.SmsReplyKeyword => "SMS reply keyword",
        SuppressionReason.Bounce => "bounce",
        SuppressionReason.Admin => "added by an admin",
        SuppressionReason.Api => "API",
        SuppressionReason.Form => "form",
        _ => "imported",
    };

    /// <summary>Why a message to a suppressed recipient was not sent, as its row records it.</summary>
    public static string RowError(Suppression s) =>
        $"suppressed: the recipient opted out of marketing ({Describe(s.Reason)}, {s.CreatedAt.UtcDateTime:yyyy-MM-dd})";

    /// <summary>
    /// The tenant's active opt-outs on a channel: the one rule of who may not receive marketing there, which sends check
    /// (<see cref="FindAsync"/>) and segments compose into SQL (<c>subscribed sms</c>).
    /// </summary>
    public static IQueryable<Suppression> Active(AppDbContext db, string tenantId, Channel channel) =>
        db.Set<Suppression>().AsNoTracking().Where(s => s.TenantId == tenantId && s.Channel == channel && s.RemovedAt == null);

    /// <summary>The active opt-outs among <paramref name="recipients"/> (normalised addresses), by address.</summary>
    public async Task<Dictionary<string, Suppression>> FindAsync(string tenantId, Channel channel, IReadOnlyCollection<string> recipients, CancellationToken ct)
    {
        var found = new Dictionary<string, Suppression>(StringComparer.OrdinalIgnoreCase);
        if (recipients.Count == 0) return found;
        var active = Active(db, tenantId, channel);
        if (!await active.AnyAsync(ct)) return found;
        foreach (var chunk in recipients.Distinct(StringComparer.OrdinalIgnoreCase).Chunk(LookupChunk))
        {
            var lowered = chunk.Select(r => r.ToLowerInvariant()).ToList();
            foreach (var s in await active.Where(s => lowered.Contains(s.Address)).ToListAsync(ct)) found[s.Address] = s;
        }
        return found;
    }

    /// <summary>Suppresses an address (already normalised); returns false when it was suppressed already.</summary>
    public Task<bool> AddAsync(string tenantId, Channel channel, string address, SuppressionReason reason, string? note, string by, CancellationToken ct) =>
        SetConsentAsync(new ConsentChange(tenantId, channel, address, Subscribed: false, ToMethod(reason), note, by), ct);

    /// <summary>
    /// The one way consent changes, whoever changes it (a contact's page, the opt-out list, an unsubscribe link, an SMS
    /// reply): withdrawing adds the address's opt-out, giving lifts it, and either appends the consent event in the same
    /// save, so the list and the history never disagree. Returns false when nothing changed (already in that state).
    /// </summary>
    public async Task<bool> SetConsentAsync(ConsentChange change, CancellationToken ct)
    {
        var key = change.Address.ToLowerInvariant();
        var row = await db.Set<Suppression>().FirstOrDefaultAsync(s => s.TenantId == change.TenantId && s.Channel == change.Channel && s.Address == key, ct);
        if (change.Subscribed)
        {
            if (row is { RemovedAt: null }) return await LiftAsync(row, change, ct);
            // Not opted out: the consent is still worth recording, once, unless the last word was already a yes.
            var last = await db.ConsentEvents.AsNoTracking()
                .Where(e => e.TenantId == change.TenantId && e.Channel == change.Channel && e.Address == key)
                .OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Select(e => (bool?)e.Subscribed).FirstOrDefaultAsync(ct);
            if (last == true) return false;
            db.ConsentEvents.Add(EventOf(change, key));
            await db.SaveChangesAsync(ct);
            return true;
        }
        if (row is { RemovedAt: null }) return false;
        var now = clock.GetUtcNow();
        if (row is null)
        {
            row = new Suppression { TenantId = change.TenantId, Channel = change.Channel, Address = key, CreatedBy = change.By };
            db.Add(row);
        }
        row.Reason = ToReason(change.Method);
        row.Note = change.Note;
        row.CreatedAt = now;
        row.CreatedBy = change.By;
        row.RemovedAt = null;
        row.RemovedBy = null;
        row.RemovalReason = null;
        var recorded = EventOf(change, key);
        db.ConsentEvents.Add(recorded);
        // contact.unsubscribed goes into the webhook outbox in the same save as the opt-out itself.
        IReadOnlyList<WebhookDelivery> events = webhooks is null ? [] : await webhooks.AddAsync(db, change.TenantId, Webhooks.WebhookEvents.ContactUnsubscribed, new
        {
            channel = change.Channel.ToWire(),
            address = key,
            method = System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(change.Method.ToString()),
            note = change.Note,
            tenant_id = change.TenantId,
            at = Api.ApiEnvelope.Timestamp(now),
        }, now, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (row.Id == 0)
        {
            // Added at the same moment by another request (two clicks on one link): it is suppressed either way, and
            // that request recorded the event (and its webhook events).
            db.Entry(row).State = EntityState.Detached;
            db.Entry(recorded).State = EntityState.Detached;
            foreach (var e in events) db.Entry(e).State = EntityState.Detached;
            return false;
        }
        return true;
    }

    private async Task<bool> LiftAsync(Suppression row, ConsentChange change, CancellationToken ct)
    {
        row.RemovedAt = clock.GetUtcNow();
        row.RemovedBy = change.By;
        row.RemovalReason = change.Note ?? Describe(change.Method);
        db.ConsentEvents.Add(EventOf(change, row.Address));
        await db.SaveChangesAsync(ct);
        return true;
    }

    private ConsentEvent EventOf(ConsentChange change, string key) => new()
    {
        TenantId = change.TenantId, Channel = change.Channel, Address = key, Subscribed = change.Subscribed, Method = change.Method,
        Note = change.Note is { Length: > ConsentEvent.MaxNote } cut ? cut[..ConsentEvent.MaxNote] : change.Note,
        At = clock.GetUtcNow(), By = change.By,
    };

    public static ConsentMethod ToMethod(SuppressionReason reason) => reason switch
    {
        SuppressionReason.UnsubscribeLink => ConsentMethod.UnsubscribeLink,
        SuppressionReason.SmsReplyKeyword => ConsentMethod.ReplyKeyword,
        SuppressionReason.Bounce => ConsentMethod.Bounce,
        SuppressionReason.Admin => ConsentMethod.Admin,
        SuppressionReason.Api => ConsentMethod.Api,
        SuppressionReason.Form => ConsentMethod.Form,
        _ => ConsentMethod.Import,
    };

    /// <summary>The opt-out reason a withdrawal made this way is listed with (a double opt-in only ever subscribes).</summary>
    public static SuppressionReason ToReason(ConsentMethod method) => method switch
    {
        ConsentMethod.UnsubscribeLink => SuppressionReason.UnsubscribeLink,
        ConsentMethod.ReplyKeyword => SuppressionReason.SmsReplyKeyword,
        ConsentMethod.Bounce => SuppressionReason.Bounce,
        ConsentMethod.Api => SuppressionReason.Api,
        ConsentMethod.Form or ConsentMethod.DoubleOptIn => SuppressionReason.Form,
        ConsentMethod.Import => SuppressionReason.Import,
        _ => SuppressionReason.Admin,
    };

    public static string Describe(ConsentMethod method) => method switch
    {
        ConsentMethod.Import => "import with stated consent",
        ConsentMethod.Api => "API",
        ConsentMethod.Form => "form",
        ConsentMethod.DoubleOptIn => "double opt-in",
        ConsentMethod.ReplyKeyword => "SMS reply keyword",
        ConsentMethod.UnsubscribeLink => "unsubscribe link",
        ConsentMethod.Bounce => "bounce",
        _ => "admin",
    };

    public IQueryable<Suppression> Query(Caller caller, SuppressionFilter filter)
    {
        var tenantId = filter.TenantId ?? caller.TenantId;
        var q = db.Set<Suppression>().AsNoTracking().Where(s => s.TenantId == tenantId && s.RemovedAt == null);
        if (filter.Channel is { } channel) q = q.Where(s => s.Channel == channel);
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var term = filter.Search.Trim().ToLowerInvariant();
            q = q.Where(s => s.Address.Contains(term));
        }
        return q;
    }

    public async Task<Result<Page<Suppression>>> ListAsync(Caller caller, SuppressionFilter filter, CancellationToken ct)
    {
        if (PolicyService.Authorize(caller, filter.TenantId ?? caller.TenantId) is { } denied) return denied;
        var page = Math.Max(1, filter.Page);
        var size = Math.Clamp(filter.PageSize, 1, PageSizes.Max);
        var q = Query(caller, filter);
        var total = await q.CountAsync(ct);
        var items = await q.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id).Skip((page - 1) * size).Take(size).ToListAsync(ct);
        return new Page<Suppression>(items, page, size, total);
    }

    public async Task<Result<bool>> AddByAdminAsync(Caller caller, string? tenantId, Channel channel, string? address, string? note, CancellationToken ct)
    {
        tenantId ??= caller.TenantId;
        if (PolicyService.Authorize(caller, tenantId) is { } denied) return denied;
        if (!Normalize(channel, address, out var normalized, out var error)) return AppError.Validation($"address: {error}");
        if (note?.Length > Suppression.MaxNote) return AppError.Validation($"note: at most {Suppression.MaxNote} characters");
        return await AddAsync(tenantId, channel, normalized, SuppressionReason.Admin, string.IsNullOrWhiteSpace(note) ? null : note.Trim(), caller.UserId, ct);
    }

    /// <summary>Lifts an opt-out; the reason is required and kept on the row.</summary>
    public async Task<Result<bool>> RemoveAsync(Caller caller, long id, string? reason, CancellationToken ct)
    {
        if (!caller.IsAdmin) return AppError.Forbidden("only an Admin may manage opt-outs");
        if (string.IsNullOrWhiteSpace(reason)) return AppError.Validation("reason: say why the opt-out is removed");
        if (reason.Length > Suppression.MaxNote) return AppError.Validation($"reason: at most {Suppression.MaxNote} characters");
        var row = await db.Set<Suppression>().FirstOrDefaultAsync(s => s.Id == id && s.RemovedAt == null && (caller.IsSystemAdmin || s.TenantId == caller.TenantId), ct);
        if (row is null) return AppError.NotFound($"no opt-out with id {id}");
        return await LiftAsync(row, new ConsentChange(row.TenantId, row.Channel, row.Address, Subscribed: true, ConsentMethod.Admin, reason.Trim(), caller.UserId), ct);
    }

    /// <summary>
    /// Imports a CSV with an <c>address</c> column and optional <c>channel</c> (sms or email; guessed from the address when
    /// absent) and <c>note</c> columns. Every row is checked first: one bad row imports nothing and names the line.
    /// </summary>
    public async Task<Result<ImportResult>> ImportCsvAsync(Caller caller, string? tenantId, Stream csv, CancellationToken ct)
    {
        tenantId ??= caller.TenantId;
        if (PolicyService.Authorize(caller, tenantId) is { } denied) return denied;
        var rows = new List<(Channel Channel, string Address, string? Note)>();
        var errors = new List<ErrorText>();
        try
        {
            await using var reader = CsvReader.Create(csv, new CsvReaderOptions { HasHeader = true, TrimWhitespace = true, SkipEmptyLines = true, TrackLineNumbers = true }, leaveOpen: true);
            await reader.ReadHeaderAsync(ct);
            var header = reader.Headers.Select(h => h.Trim().TrimStart('\uFEFF').ToLowerInvariant()).ToList();
            var (addressAt, channelAt, noteAt) = (header.IndexOf("address"), header.IndexOf("channel"), header.IndexOf("note"));
            if (addressAt < 0) return AppError.Validation($"file: no 'address' column in the header (found: {string.Join(", ", header)})");
            string? Field(int index) => index >= 0 && index < reader.FieldCount ? reader.GetString(index).Trim() : null;
            while (await reader.ReadAsync(ct))
            {
                var line = (int)reader.LineNumber;
                if (rows.Count + errors.Count >= MaxImportRows) return AppError.Validation($"file: more than {MaxImportRows} rows");
                var address = Field(addressAt);
                if (string.IsNullOrEmpty(address)) continue;
                var rawChannel = Field(channelAt);
                Channel channel;
                if (string.IsNullOrEmpty(rawChannel)) channel = address.Contains('@') ? Channel.Email : Channel.Sms;
                else if (!Wire.TryParseChannel(rawChannel, out channel))
                {
                    errors.Add(ErrorText.Of($"line {line}: channel '{rawChannel}' is not one of sms, email"));
                    continue;
                }
                if (!Normalize(channel, address, out var normalized, out var error))
                {
                    errors.Add(ErrorText.Of($"line {line}: {error}"));
                    continue;
                }
                var note = Field(noteAt);
                rows.Add((channel, normalized, string.IsNullOrEmpty(note) ? null : note.Length > Suppression.MaxNote ? note[..Suppression.MaxNote] : note));
            }
        }
        catch (Exception ex) when (ex is CsvFormatException or InvalidOperationException or System.Text.DecoderFallbackException)
        {
            return AppError.Validation($"file: not a readable CSV file ({ex.Message})");
        }
        if (errors.Count > 0)
        {
            var more = errors.Count > 5 ? ErrorText.Of($" (and {errors.Count - 5} more)") : ErrorText.Of("");
            return AppError.Validation($"file: nothing imported: {ErrorText.Join(errors.Take(5))}{more}");
        }
        var added = 0;
        foreach (var (channel, address, note) in rows.DistinctBy(r => (r.Channel, r.Address)))
        {
            if (await AddAsync(tenantId, channel, address, SuppressionReason.Import, note, caller.UserId, ct)) added++;
        }
        return new ImportResult(added, rows.Count - added);
    }

    /// <summary>
    /// Who added opt-outs, as people read it: the user's email where <c>CreatedBy</c> holds a user id; other values
    /// ("SMS reply", "unsubscribe link") are left to the caller as they are.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> AuthorsAsync(IEnumerable<string?> createdBy, CancellationToken ct)
    {
        var ids = createdBy.OfType<string>().Distinct().ToList();
        return await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email ?? u.Id, ct);
    }

    public async Task<Result<int>> ExportCsvAsync(Caller caller, SuppressionFilter filter, Stream output, CancellationToken ct)
    {
        if (PolicyService.Authorize(caller, filter.TenantId ?? caller.TenantId) is { } denied) return denied;
        var authors = await AuthorsAsync(await Query(caller, filter).Select(s => s.CreatedBy).Distinct().ToListAsync(ct), ct);
        await using var csv = SafeCsv.Create(output);
        csv.WriteHeader(["channel", "address", "reason", "note", "created_at", "created_by"]);
        var count = 0;
        await foreach (var s in Query(caller, filter).OrderBy(s => s.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            csv.WriteField(s.Channel.ToWire());
            csv.WriteField(s.Address);
            csv.WriteField(Describe(s.Reason));
            csv.WriteField(s.Note ?? "");
            csv.WriteField(s.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            csv.WriteField(s.CreatedBy is { } by && authors.TryGetValue(by, out var email) ? email : s.CreatedBy);
            await csv.EndRecordAsync(ct);
            count++;
        }
        await csv.FlushAsync(ct);
        return count;
    }

    public static bool Normalize(Channel channel, string? raw, out string normalized, out ErrorText? error)
    {
        var ok = channel == Channel.Sms ? Phones.TryNormalize(raw, out var n, out var e) : EmailAddresses.TryNormalize(raw, out n, out e);
        normalized = ok ? n!.ToLowerInvariant() : "";
        error = e;
        return ok;
    }
}
