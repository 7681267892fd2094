using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using CommsConsole.Data;
using CommsConsole.Features.Audit;
using CommsConsole.Features.Messaging;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Audiences;

/// <summary>What an erasure did, in counts (the audit trail keeps these, never the data).</summary>
public sealed record ErasureReport(long ContactId, int MessagesAnonymised, int PendingCancelled, int ConsentEventsAnonymised, int OptOutsKept);

/// <summary>
/// A person's rights over the data a tenant keeps on them: a copy of it all (<see cref="BeginExportAsync"/>) and its
/// erasure (<see cref="EraseAsync"/>), each written to the audit trail.
/// <para>
/// An erasure keeps an opt-out in force, address included: the suppression row is what stops the person from being
/// contacted again, and keeping it is the legal basis an opt-out has (GDPR art. 17(3)(b) and 21, PIPL art. 47: the
/// controller must honour the objection). Keeping the row as it is, rather than a hash of the address, keeps the one
/// truth of consent in one table and every send's opt-out check the same indexed lookup; only its free-text note is
/// cleared. An opt-out that was lifted honours nothing and is deleted.
/// </para>
/// </summary>
public sealed class ContactPrivacyService(AppDbContext db, MessageLedger ledger, ContactService contacts, ContactListService lists, TimeProvider clock)
{
    /// <summary>
    /// Erases the contact: the contact, its tags and list memberships deleted; every message to its addresses
    /// anonymised (pending ones cancelled first, so nothing is sent after the erasure); its consent history and the
    /// webhook events of its opt-outs anonymised;
    /// an opt-out in force kept (see the class). One transaction, with the audit row. Of twenty erasures of one contact
    /// at once, one erases and the others find no contact.
    /// </summary>
    public async Task<Result<ErasureReport>> EraseAsync(long id, Caller caller, CancellationToken ct)
    {
        if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot add or change contacts");
        var contact = await db.Contacts.AsNoTracking().InReachOf(caller).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (contact is null) return NotFound(id);
        var (tenant, phone, email) = (contact.TenantId, contact.Phone, contact.Email);
        var now = clock.GetUtcNow();
        const string Erased = MessageLedger.ErasedMarker;

        await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        // The contact's row first: a second erasure at the same moment waits on it (PostgreSQL) or its turn (SQLite),
        // then deletes nothing and answers 404, with nothing else written.
        if (await db.Contacts.Where(c => c.Id == id && c.TenantId == tenant).ExecuteDeleteAsync(ct) == 0) return NotFound(id);
        // Members and tags by hand as well: SQLite enforces the cascades only with foreign keys switched on.
        await db.ContactListMembers.Where(m => m.ContactId == id).ExecuteDeleteAsync(ct);
        await db.ContactTags.Where(t => t.ContactId == id).ExecuteDeleteAsync(ct);

        var (cancelled, anonymised) = await ledger.EraseRecipientAsync(tenant, phone, email, now, ct);

        var events = await db.ConsentEvents.Where(e => e.TenantId == tenant
                && ((e.Channel == Channel.Sms && phone != null && e.Address == phone) || (e.Channel == Channel.Email && email != null && e.Address == email)))
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.Address, Erased).SetProperty(e => e.Note, (string?)null), ct);
        var optOuts = db.Suppressions.Where(x => x.TenantId == tenant
            && ((x.Channel == Channel.Sms && phone != null && x.Address == phone) || (x.Channel == Channel.Email && email != null && x.Address == email)));
        await optOuts.Where(x => x.RemovedAt != null).ExecuteDeleteAsync(ct);
        var kept = await optOuts.ExecuteUpdateAsync(s => s.SetProperty(x => x.Note, (string?)null), ct);
        if (phone is not null)
        {
            await db.InboundReplies.Where(r => r.TenantId == tenant && r.Phone == phone)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Phone, Erased).SetProperty(r => r.Content, Erased).SetProperty(r => r.Raw, "{}"), ct);
        }

        // The opt-out's webhook events carry the address too.
        await Webhooks.WebhookOutbox.EraseAddressesAsync(db, tenant, [phone, email], Erased, ct);

        var report = new ErasureReport(id, anonymised, cancelled, events, kept);
        AuditService.Record(db, caller, tenant, AuditService.ContactErase, Target(id), string.Create(CultureInfo.InvariantCulture,
            $"{anonymised} messages anonymised, {cancelled} pending cancelled, {events} consent events anonymised, {kept} opt-outs kept"), now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return report;
    }

    /// <summary>
    /// Checks the caller may read the contact, gathers the small parts of its export (the contact, tags, lists, consent
    /// history) and writes the audit row; the messages are streamed by <see cref="ContactExport.WriteAsync"/>.
    /// </summary>
    public async Task<Result<ContactExport>> BeginExportAsync(long id, Caller caller, CancellationToken ct)
    {
        var found = await contacts.GetAsync(id, caller, ct);
        if (!found.IsOk) return found.Error!;
        var view = found.Value!;
        var inLists = await lists.ListsOfAsync(id, caller, ct);
        if (!inLists.IsOk) return inLists.Error!;
        var (tenant, phone, email) = (view.Contact.TenantId, view.Contact.Phone, view.Contact.Email);
        // The whole history (the contact page shows the latest few hundred).
        var history = await db.ConsentEvents.AsNoTracking()
            .Where(e => e.TenantId == tenant && ((e.Channel == Channel.Sms && phone != null && e.Address == phone) || (e.Channel == Channel.Email && email != null && e.Address == email)))
            .OrderBy(e => e.At).ThenBy(e => e.Id).ToListAsync(ct);
        var now = clock.GetUtcNow();
        AuditService.Record(db, caller, tenant, AuditService.ContactExport, Target(id), null, now);
        await db.SaveChangesAsync(ct);
        var messages = db.Messages.AsNoTracking().VisibleTo(caller).Where(m => m.TenantId == tenant
                && ((m.Channel == Channel.Sms && phone != null && m.Recipient == phone) || (m.Channel == Channel.Email && email != null && m.Recipient.ToLower() == email)))
            .OrderBy(m => m.Id);
        return new ContactExport(view, inLists.Value!, history, messages, now);
    }

    public static string Target(long contactId) => "contact:" + contactId.ToString(CultureInfo.InvariantCulture);

    private static AppError NotFound(long id) => AppError.NotFound($"id: no contact with id {id}");
}

/// <summary>
/// A contact's data as one JSON document: the contact, its lists, its consent history and every message to its
/// addresses that the exporter may read. The messages are read and written one at a time, so a contact with a hundred
/// thousand messages is never held in memory.
/// </summary>
public sealed class ContactExport(ContactView contact, IReadOnlyList<ContactList> lists, IReadOnlyList<ConsentEvent> history, IQueryable<Message> messages, DateTimeOffset at)
{
    public ContactView Contact => contact;

    /// <summary>A file name for the download.</summary>
    public string FileName => $"contact-{contact.Contact.Id.ToString(CultureInfo.InvariantCulture)}.json";

    /// <summary>Writes the document to <paramref name="output"/>, flushing every few hundred messages.</summary>
    public async Task WriteAsync(Stream output, CancellationToken ct)
    {
        // Through a pipe: the serializer flushes its writer synchronously, which a response body refuses; flushed to the
        // pipe, the bytes reach the stream only at the asynchronous flushes below.
        var pipe = PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: true));
        await using (var json = new Utf8JsonWriter(pipe, new JsonWriterOptions { Indented = true }))
        {
            await WriteDocumentAsync(json, pipe, ct);
        }
        await pipe.FlushAsync(ct);
        await pipe.CompleteAsync();
    }

    private async Task WriteDocumentAsync(Utf8JsonWriter json, PipeWriter pipe, CancellationToken ct)
    {
        json.WriteStartObject();
        json.WriteString("exported_at", Time(at));
        json.WritePropertyName("contact");
        JsonSerializer.Serialize(json, ContactResponse.From(contact));
        json.WriteStartArray("lists");
        foreach (var list in lists)
        {
            json.WriteStartObject();
            json.WriteNumber("id", list.Id);
            json.WriteString("name", list.Name);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("consent_history");
        foreach (var e in history) JsonSerializer.Serialize(json, ConsentEventResponse.From(e));
        json.WriteEndArray();
        json.WriteStartArray("messages");
        var count = 0;
        await foreach (var m in messages.AsAsyncEnumerable().WithCancellation(ct))
        {
            json.WriteStartObject();
            json.WriteNumber("id", m.Id);
            json.WriteNumber("batch_id", m.BatchId);
            json.WriteString("channel", m.Channel.ToWire());
            json.WriteString("status", m.Status.ToWire());
            json.WriteString("purpose", m.Purpose.ToWire());
            json.WriteString("recipient", m.Recipient);
            if (m.Subject is null) json.WriteNull("subject");
            else json.WriteString("subject", m.Subject);
            json.WriteString("content", m.Content);
            json.WriteString("created_at", Time(m.CreatedAt));
            WriteTime(json, "sent_at", m.SentAt);
            WriteTime(json, "delivered_at", m.DeliveredAt);
            if (m.Error is null) json.WriteNull("error");
            else json.WriteString("error", m.Error);
            json.WriteNumber("segments", m.Segments);
            json.WriteNumber("cost", m.Cost);
            json.WriteEndObject();
            if (++count % 500 == 0)
            {
                await json.FlushAsync(ct);
                await pipe.FlushAsync(ct);
            }
        }
        json.WriteEndArray();
        json.WriteNumber("message_count", count);
        json.WriteEndObject();
        await json.FlushAsync(ct);
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? at)
    {
        if (at is { } t) json.WriteString(name, Time(t));
        else json.WriteNull(name);
    }

    private static string Time(DateTimeOffset at) => Api.ApiEnvelope.Timestamp(at);
}
