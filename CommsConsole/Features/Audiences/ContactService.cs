using System.Text;
using CommsConsole.Data;
using CommsConsole.Features.Compliance;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Audiences;

/// <summary>
/// A tenant's contacts: upserted by normalised phone and email (never duplicated, also when the same person is posted
/// many times at once), read, searched, edited and deleted. Consent is not kept here: a contact is unsubscribed on a
/// channel exactly while the opt-out list holds its address, and changing it goes through <see cref="SuppressionService"/>.
/// </summary>
public sealed class ContactService(AppDbContext db, SuppressionService suppressions, TimeProvider clock)
{
    /// <summary>How often an upsert that lost a race to a unique index reads again and retries.</summary>
    private const int Attempts = 6;
    public const int MaxHistory = 200;

    /// <summary>
    /// Why <paramref name="caller"/> may not add or update contacts by upsert, or null: Marketers and Admins manage them,
    /// Integrators may upsert.
    /// </summary>
    public static AppError? RefusedUpsert(Caller caller) =>
        caller.ManagesAudience || caller.Role == Roles.Integrator ? null : AppError.Forbidden("your role cannot add or change contacts");

    /// <summary>
    /// Creates the contact, or updates the one with the same phone or email (left-out fields kept, attributes merged,
    /// tags added). Two existing contacts matching the phone and the email each are a conflict, not a merge.
    /// </summary>
    public async Task<Result<(ContactView Contact, bool Created)>> UpsertAsync(ContactInput input, ContactSource source, Caller caller, CancellationToken ct)
    {
        if (RefusedUpsert(caller) is { } refused) return refused;
        var checkedInput = Check(input, requireAddress: true);
        if (!checkedInput.IsOk) return checkedInput.Error!;
        var (phone, email, tags) = checkedInput.Value;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            db.ChangeTracker.Clear();
            var matches = await db.Contacts.Include(c => c.Tags)
                .Where(c => c.TenantId == caller.TenantId && ((phone != null && c.Phone == phone) || (email != null && c.Email == email)))
                .ToListAsync(ct);
            if (matches.Count > 1)
                return AppError.Conflict($"email: the phone number belongs to contact {matches.Single(c => c.Phone == phone).Id} and the email address to contact {matches.Single(c => c.Email == email).Id}");
            var now = clock.GetUtcNow();
            var contact = matches.SingleOrDefault();
            var created = contact is null;
            if (contact is null)
            {
                contact = new Contact { TenantId = caller.TenantId, Source = source, CreatedAt = now, CreatedBy = caller.UserId };
                db.Contacts.Add(contact);
            }
            contact.Phone = phone ?? contact.Phone;
            contact.Email = email ?? contact.Email;
            if (input.Name is not null) contact.Name = Blank(input.Name);
            if (input.Attributes is { } given)
            {
                var attributes = ContactAttributes.Apply(contact.Attributes, given);
                if (!attributes.IsOk) return attributes.Error!;
                contact.Attributes = attributes.Value!;
            }
            foreach (var tag in tags ?? [])
            {
                if (!contact.Tags.Any(t => t.Tag == tag)) contact.Tags.Add(new ContactTag { Tag = tag });
            }
            if (contact.Tags.Count > Contact.MaxTags) return AppError.Validation($"tags: at most {Contact.MaxTags} tags a contact");
            contact.UpdatedAt = now;
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Another request wrote the same person (or tag) a moment ago: read again and update theirs.
                continue;
            }
            return ((await ViewsAsync([contact], ct))[0], created);
        }
        return AppError.Conflict("contact: changed by other requests at the same moment; try again");
    }

    public async Task<Result<ContactView>> GetAsync(long id, Caller caller, CancellationToken ct)
    {
        var contact = await db.Contacts.AsNoTracking().Include(c => c.Tags).InReachOf(caller).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (contact is null) return NotFound(id);
        return (await ViewsAsync([contact], ct))[0];
    }

    public async Task<Result<Page<ContactView>>> ListAsync(ContactFilter filter, Caller caller, CancellationToken ct)
    {
        var page = Math.Max(1, filter.Page);
        var size = Math.Clamp(filter.PageSize, 1, PageSizes.Max);
        var filtered = await FilteredAsync(filter, caller, ct);
        if (!filtered.IsOk) return filtered.Error!;
        var q = filtered.Value!;
        var total = await q.CountAsync(ct);
        var items = await q.Include(c => c.Tags).OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id)
            .Skip((page - 1) * size).Take(size).AsSplitQuery().ToListAsync(ct);
        return new Page<ContactView>(await ViewsAsync(items, ct), page, size, total);
    }

    /// <summary>
    /// The caller's contacts that <paramref name="filter"/> selects (its page ignored), untracked: the one definition of
    /// the search, tag, list and segment filters, for the pages and the exports alike.
    /// </summary>
    public async Task<Result<IQueryable<Contact>>> FilteredAsync(ContactFilter filter, Caller caller, CancellationToken ct)
    {
        var q = db.Contacts.AsNoTracking().InReachOf(caller);
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var term = filter.Search.Trim();
            var lowered = term.ToLowerInvariant();
            // A number written any way (+86 138-0013-8000, full-width digits) finds the contact stored as 13800138000.
            var phone = Phones.TryNormalize(term, out var normalized, out _) ? normalized : null;
            q = q.Where(c => (phone != null && c.Phone == phone) || (c.Phone != null && c.Phone.Contains(lowered))
                || (c.Email != null && c.Email.Contains(lowered)) || (c.Name != null && c.Name.ToLower().Contains(lowered)));
        }
        if (!string.IsNullOrWhiteSpace(filter.Tag))
        {
            var tag = NormalizeTag(filter.Tag);
            q = q.Where(c => c.Tags.Any(t => t.Tag == tag));
        }
        if (filter.ListId is { } listId)
        {
            if (!await db.ContactLists.InReachOf(caller).AnyAsync(l => l.Id == listId, ct)) return AppError.NotFound($"list_id: no list with id {listId}");
            q = q.Where(c => db.ContactListMembers.Any(m => m.ListId == listId && m.ContactId == c.Id));
        }
        if (filter.SegmentId is { } segmentId)
        {
            var segment = await db.Segments.AsNoTracking().InReachOf(caller).FirstOrDefaultAsync(s => s.Id == segmentId, ct);
            if (segment is null) return AppError.NotFound($"segment_id: no segment with id {segmentId}");
            var members = SegmentService.Members(db, segment.TenantId, segment, clock.GetUtcNow()).Select(m => m.Id);
            q = q.Where(c => members.Contains(c.Id));
        }
        return Result<IQueryable<Contact>>.Ok(q);
    }

    /// <summary>Replaces the contact with <paramref name="input"/> (what is left out is cleared; a phone or an email stays required).</summary>
    public Task<Result<ContactView>> UpdateAsync(long id, ContactInput input, Caller caller, CancellationToken ct) =>
        ChangeAsync(id, input, partial: false, caller, ct);

    /// <summary>
    /// Changes what <paramref name="input"/> gives and keeps what it leaves out (null): an empty phone, email or name
    /// clears it, attributes are merged key by key (a null value removes the key), and given tags replace the tags. The
    /// contact must keep a phone or an email.
    /// </summary>
    public Task<Result<ContactView>> PatchAsync(long id, ContactInput input, Caller caller, CancellationToken ct) =>
        ChangeAsync(id, input, partial: true, caller, ct);

    private async Task<Result<ContactView>> ChangeAsync(long id, ContactInput input, bool partial, Caller caller, CancellationToken ct)
    {
        if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot add or change contacts");
        var checkedInput = Check(input, requireAddress: !partial);
        if (!checkedInput.IsOk) return checkedInput.Error!;
        var (givenPhone, givenEmail, tags) = checkedInput.Value;
        var contact = await db.Contacts.Include(c => c.Tags).InReachOf(caller).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (contact is null) return NotFound(id);
        var phone = partial && input.Phone is null ? contact.Phone : givenPhone;
        var email = partial && input.Email is null ? contact.Email : givenEmail;
        if (phone is null && email is null) return AppError.Validation("phone: a phone number or an email address is required");
        Result<string> attributes = !partial ? ContactAttributes.Apply(null, input.Attributes ?? EmptyObject)
            : input.Attributes is { } changes ? ContactAttributes.Apply(contact.Attributes, changes) : contact.Attributes;
        if (!attributes.IsOk) return attributes.Error!;
        if (phone is not null && await db.Contacts.AnyAsync(c => c.TenantId == contact.TenantId && c.Phone == phone && c.Id != id, ct))
            return AppError.Conflict($"phone: another contact has the phone number {phone}");
        if (email is not null && await db.Contacts.AnyAsync(c => c.TenantId == contact.TenantId && c.Email == email && c.Id != id, ct))
            return AppError.Conflict($"email: another contact has the email address {email}");
        contact.Phone = phone;
        contact.Email = email;
        if (!partial || input.Name is not null) contact.Name = Blank(input.Name);
        contact.Attributes = attributes.Value!;
        if (!partial || tags is not null)
        {
            var wanted = tags ?? [];
            contact.Tags.RemoveAll(t => !wanted.Contains(t.Tag));
            foreach (var tag in wanted.Where(t => !contact.Tags.Any(x => x.Tag == t))) contact.Tags.Add(new ContactTag { Tag = tag });
        }
        contact.UpdatedAt = clock.GetUtcNow();
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The checks above passed, then another request took the address (or changed the tags) first.
            return AppError.Conflict("contact: changed by another request at the same moment; try again");
        }
        return (await ViewsAsync([contact], ct))[0];
    }

    /// <summary>
    /// Subscribes or unsubscribes the contact on a channel, through the opt-out list (the one truth of consent). Lifting
    /// an opt-out the person asked for is an Admin's decision, as on the opt-out list itself.
    /// </summary>
    public async Task<Result<ContactView>> SetConsentAsync(long id, Channel channel, bool subscribed, ConsentMethod method, string? note, Caller caller, CancellationToken ct)
    {
        if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot change consent");
        if (note?.Length > ConsentEvent.MaxNote) return AppError.Validation($"note: at most {ConsentEvent.MaxNote} characters");
        if (subscribed && method == ConsentMethod.Bounce) return AppError.Validation("how: a bounce never subscribes");
        if (!subscribed && method == ConsentMethod.DoubleOptIn) return AppError.Validation("how: a double opt-in never unsubscribes");
        var found = await GetAsync(id, caller, ct);
        if (!found.IsOk) return found.Error!;
        var contact = found.Value!.Contact;
        var address = channel == Channel.Sms ? contact.Phone : contact.Email;
        if (address is null) return AppError.Validation($"channel: the contact has no address for {ErrorText.Term(channel.ToWire())}");
        if (subscribed && found.Value.ConsentFor(channel) is { Subscribed: false } && !caller.IsAdmin)
            return AppError.Forbidden("only an Admin may lift an opt-out");
        await suppressions.SetConsentAsync(new ConsentChange(contact.TenantId, channel, address, subscribed, method, Blank(note), caller.UserId), ct);
        return await GetAsync(id, caller, ct);
    }

    /// <summary>The consent history of the contact's addresses, newest first (also changes made before it was a contact).</summary>
    public async Task<Result<IReadOnlyList<ConsentEvent>>> HistoryAsync(long id, Caller caller, CancellationToken ct)
    {
        var contact = await db.Contacts.AsNoTracking().InReachOf(caller).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (contact is null) return NotFound(id);
        var (phone, email) = (contact.Phone, contact.Email);
        return await db.ConsentEvents.AsNoTracking()
            .Where(e => e.TenantId == contact.TenantId && ((e.Channel == Channel.Sms && phone != null && e.Address == phone) || (e.Channel == Channel.Email && email != null && e.Address == email)))
            .OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Take(MaxHistory).ToListAsync(ct);
    }

    /// <summary>The messages sent to the contact's phone or email that the caller may read, newest first.</summary>
    public async Task<Result<Page<Message>>> MessagesAsync(long id, int page, int pageSize, Caller caller, CancellationToken ct)
    {
        var contact = await db.Contacts.AsNoTracking().InReachOf(caller).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (contact is null) return NotFound(id);
        page = Math.Max(1, page);
        var size = Math.Clamp(pageSize, 1, PageSizes.Max);
        var (tenant, phone, email) = (contact.TenantId, contact.Phone, contact.Email);
        // Messages keep an email's local part as written; the contact keeps it lower-cased, as the opt-out list does.
        var q = db.Messages.AsNoTracking().VisibleTo(caller).Where(m => m.TenantId == tenant
            && ((m.Channel == Channel.Sms && phone != null && m.Recipient == phone) || (m.Channel == Channel.Email && email != null && m.Recipient.ToLower() == email)));
        var total = await q.CountAsync(ct);
        var items = await q.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Skip((page - 1) * size).Take(size).ToListAsync(ct);
        return new Page<Message>(items, page, size, total);
    }

    /// <summary>The contacts with their consent, read from the opt-out list and the consent history in one lookup per page.</summary>
    private async Task<List<ContactView>> ViewsAsync(IReadOnlyList<Contact> contacts, CancellationToken ct)
    {
        var tenants = contacts.Select(c => c.TenantId).Distinct().ToList();
        var phones = contacts.Select(c => c.Phone).OfType<string>().Distinct().ToList();
        var emails = contacts.Select(c => c.Email).OfType<string>().Distinct().ToList();
        var optOuts = await db.Suppressions.AsNoTracking()
            .Where(s => s.RemovedAt == null && tenants.Contains(s.TenantId)
                && ((s.Channel == Channel.Sms && phones.Contains(s.Address)) || (s.Channel == Channel.Email && emails.Contains(s.Address))))
            .ToListAsync(ct);
        var consents = await db.ConsentEvents.AsNoTracking()
            .Where(e => e.Subscribed && tenants.Contains(e.TenantId)
                && ((e.Channel == Channel.Sms && phones.Contains(e.Address)) || (e.Channel == Channel.Email && emails.Contains(e.Address))))
            .ToListAsync(ct);
        var optOutBy = optOuts.ToDictionary(s => (s.TenantId, s.Channel, s.Address));
        var consentBy = consents.GroupBy(e => (e.TenantId, e.Channel, e.Address)).ToDictionary(g => g.Key, g => g.MaxBy(e => (e.At, e.Id))!);

        ContactConsent? Consent(Contact c, Channel channel, string? address)
        {
            if (address is null) return null;
            var key = (c.TenantId, channel, address);
            if (optOutBy.TryGetValue(key, out var optOut)) return new ContactConsent(false, optOut.CreatedAt, SuppressionService.ToMethod(optOut.Reason));
            return consentBy.TryGetValue(key, out var given) ? new ContactConsent(true, given.At, given.Method) : new ContactConsent(true, null, null);
        }

        return contacts.Select(c => new ContactView(c, c.Tags.Select(t => t.Tag).Order(StringComparer.Ordinal).ToList(),
            Consent(c, Channel.Sms, c.Phone), Consent(c, Channel.Email, c.Email))).ToList();
    }

    private static Result<(string? Phone, string? Email, List<string>? Tags)> Check(ContactInput input, bool requireAddress)
    {
        var addresses = Addresses(input.Phone, input.Email, requireAddress);
        if (!addresses.IsOk) return addresses.Error!;
        var (phone, email) = addresses.Value;
        if (NameError(input.Name) is { } nameError) return nameError;
        List<string>? tags = null;
        if (input.Tags is { } given)
        {
            if (given.Count > Contact.MaxTags) return AppError.Validation($"tags: at most {Contact.MaxTags} tags a contact");
            tags = [];
            foreach (var raw in given)
            {
                var tag = raw is null ? "" : NormalizeTag(raw);
                if (tag.Length is 0 or > Contact.MaxTag || tag.Any(char.IsControl))
                    return AppError.Validation($"tags: '{Phones.Echo(raw ?? "")}' must be 1 to {Contact.MaxTag} characters without control characters");
                if (!tags.Contains(tag)) tags.Add(tag);
            }
        }
        return (phone, email, tags);
    }

    /// <summary>
    /// A contact's phone number and email address in the form they are stored, looked up and kept unique in (the opt-out
    /// list's normalisation); blank ones are null. The one rule for every way contacts come in (a request, an import).
    /// </summary>
    public static Result<(string? Phone, string? Email)> Addresses(string? rawPhone, string? rawEmail, bool requireAddress)
    {
        string? phone = null, email = null;
        if (!string.IsNullOrWhiteSpace(rawPhone))
        {
            if (!SuppressionService.Normalize(Channel.Sms, rawPhone, out var n, out var error)) return AppError.Validation($"phone: {error}");
            phone = n;
        }
        if (!string.IsNullOrWhiteSpace(rawEmail))
        {
            if (!SuppressionService.Normalize(Channel.Email, rawEmail, out var n, out var error)) return AppError.Validation($"email: {error}");
            email = n;
        }
        if (requireAddress && phone is null && email is null) return AppError.Validation("phone: a phone number or an email address is required");
        return (phone, email);
    }

    /// <summary>Why a contact's name is refused, or null when it is fine.</summary>
    public static AppError? NameError(string? name) =>
        name is not null && (name.Trim().Length > Contact.MaxName || name.Any(char.IsControl))
            ? AppError.Validation($"name: at most {Contact.MaxName} characters, without control characters")
            : null;

    /// <summary>A tag in one form: width-folded (NFKC), trimmed and lower-cased, so that "VIP" and "ｖｉｐ" are one tag.</summary>
    public static string NormalizeTag(string raw) => raw.Normalize(NormalizationForm.FormKC).Trim().ToLowerInvariant();

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static readonly System.Text.Json.JsonElement EmptyObject = System.Text.Json.JsonDocument.Parse("{}").RootElement.Clone();

    private static AppError NotFound(long id) => AppError.NotFound($"id: no contact with id {id}");
}
