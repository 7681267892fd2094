using System.Globalization;
using System.Text;
using CommsConsole.Data;
using CommsConsole.Features.Compliance;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Audiences;

/// <summary>A list with how many contacts it holds.</summary>
public sealed record ContactListView(ContactList List, int Members);

/// <summary>Contacts named by id, phone or email (any of the three, at most <see cref="ContactListService.MaxMembersPerRequest"/> in all).</summary>
public sealed record MemberSelection(IReadOnlyList<long>? ContactIds, IReadOnlyList<string?>? Phones = null, IReadOnlyList<string?>? Emails = null);

/// <summary>How many memberships an add made, and the phones and emails (as given) that matched no contact.</summary>
public sealed record MembersAdded(int Added, IReadOnlyList<string> Unknown);

/// <summary>
/// A tenant's static lists: named, created, renamed and deleted by those who keep the audience, and their members
/// added and removed by id. Adding a member twice, or twenty times at once, keeps one membership.
/// </summary>
public sealed class ContactListService(AppDbContext db, TimeProvider clock)
{
    /// <summary>Most contacts added or removed by one request.</summary>
    public const int MaxMembersPerRequest = 1_000;

    public async Task<Result<IReadOnlyList<ContactListView>>> ListAsync(Caller caller, CancellationToken ct)
    {
        var lists = await db.ContactLists.AsNoTracking().InReachOf(caller).OrderBy(l => l.Name).ThenBy(l => l.Id)
            .Select(l => new { List = l, Members = db.ContactListMembers.Count(m => m.ListId == l.Id) })
            .ToListAsync(ct);
        return lists.Select(l => new ContactListView(l.List, l.Members)).ToList();
    }

    public async Task<Result<ContactListView>> GetAsync(long id, Caller caller, CancellationToken ct)
    {
        var found = await db.ContactLists.AsNoTracking().InReachOf(caller).Where(l => l.Id == id)
            .Select(l => new { List = l, Members = db.ContactListMembers.Count(m => m.ListId == l.Id) })
            .FirstOrDefaultAsync(ct);
        return found is null ? NotFound(id) : new ContactListView(found.List, found.Members);
    }

    public async Task<Result<ContactListView>> CreateAsync(string? name, Caller caller, CancellationToken ct)
    {
        if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot manage lists");
        var checkedName = CheckName(name);
        if (!checkedName.IsOk) return checkedName.Error!;
        var now = clock.GetUtcNow();
        var list = new ContactList { TenantId = caller.TenantId, Name = checkedName.Value!, CreatedAt = now, UpdatedAt = now, CreatedBy = caller.UserId };
        db.ContactLists.Add(list);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return AppError.Conflict($"name: a list named '{list.Name}' exists already");
        }
        return new ContactListView(list, 0);
    }

    public async Task<Result<ContactListView>> RenameAsync(long id, string? name, Caller caller, CancellationToken ct)
    {
        if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot manage lists");
        var checkedName = CheckName(name);
        if (!checkedName.IsOk) return checkedName.Error!;
        var list = await db.ContactLists.InReachOf(caller).FirstOrDefaultAsync(l => l.Id == id, ct);
        if (list is null) return NotFound(id);
        list.Name = checkedName.Value!;
        list.UpdatedAt = clock.GetUtcNow();
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return AppError.Conflict($"name: a list named '{list.Name}' exists already");
        }
        return await GetAsync(id, caller, ct);
    }

    /// <summary>Deletes the list and its memberships; the contacts stay.</summary>
    public async Task<Result<bool>> DeleteAsync(long id, Caller caller, CancellationToken ct)
    {
        if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot manage lists");
        if (!await db.ContactLists.InReachOf(caller).AnyAsync(l => l.Id == id, ct)) return NotFound(id);
        await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        await db.ContactListMembers.Where(m => m.ListId == id).ExecuteDeleteAsync(ct);
        var deleted = await db.ContactLists.Where(l => l.Id == id).ExecuteDeleteAsync(ct);
        await tx.CommitAsync(ct);
        return deleted > 0 ? true : NotFound(id);
    }

    /// <summary>
    /// Adds contacts to the list; returns how many were not members yet. Every id must be a contact of the list's tenant
    /// (else nothing is added).
    /// </summary>
    public async Task<Result<int>> AddMembersAsync(long id, IReadOnlyList<long>? contactIds, Caller caller, CancellationToken ct)
    {
        var added = await AddMembersAsync(id, new MemberSelection(contactIds), caller, ct);
        return added.IsOk ? added.Value!.Added : added.Error!;
    }

    /// <summary>
    /// Adds contacts to the list by id, phone or email: phones and emails are normalised as contacts' are and matched to
    /// the tenant's contacts, and those matching none come back as unknown (the others are added); an id that names no
    /// contact of the tenant adds nothing (404). One <c>INSERT … SELECT … ON CONFLICT DO NOTHING</c> on both providers:
    /// a membership added by a request at the same moment is kept once, never an error.
    /// </summary>
    public async Task<Result<MembersAdded>> AddMembersAsync(long id, MemberSelection selection, Caller caller, CancellationToken ct)
    {
        var (byId, phones, emails) = (selection.ContactIds ?? [], selection.Phones ?? [], selection.Emails ?? []);
        if (byId.Count + phones.Count + emails.Count == 0) return AppError.Validation("contact_ids: at least one contact id, phone or email is required");
        if (byId.Count + phones.Count + emails.Count > MaxMembersPerRequest) return AppError.Validation($"contact_ids: at most {MaxMembersPerRequest} a request");
        var list = await CheckListAsync(id, caller, ct);
        if (!list.IsOk) return list.Error!;
        var tenantId = list.Value!;
        var wanted = new List<long>();
        if (byId.Count > 0)
        {
            var known = await KnownIdsAsync(tenantId, byId, ct);
            if (!known.IsOk) return known.Error!;
            wanted.AddRange(known.Value!);
        }
        var unknown = new List<string>();
        await MatchAsync(Channel.Sms, phones, c => c.Phone);
        await MatchAsync(Channel.Email, emails, c => c.Email);
        wanted = wanted.Distinct().ToList();
        if (wanted.Count == 0) return new MembersAdded(0, unknown);

        var sql = new StringBuilder("INSERT INTO \"ContactListMembers\" (\"ListId\", \"ContactId\", \"AddedAt\") SELECT {0}, c.\"Id\", {1} FROM \"Contacts\" c WHERE c.\"TenantId\" = {2} AND c.\"Id\" IN (");
        var parameters = new List<object> { id, clock.GetUtcNow().UtcTicks, tenantId };
        for (var i = 0; i < wanted.Count; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append('{').Append((i + 3).ToString(CultureInfo.InvariantCulture)).Append('}');
            parameters.Add(wanted[i]);
        }
        sql.Append(") ON CONFLICT DO NOTHING");
        await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        var added = await db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters, ct);
        await TouchAsync(id, ct);
        await tx.CommitAsync(ct);
        return new MembersAdded(added, unknown);

        async Task MatchAsync(Channel channel, IReadOnlyList<string?> raw, System.Linq.Expressions.Expression<Func<Contact, string?>> address)
        {
            if (raw.Count == 0) return;
            var normalized = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var r in raw)
            {
                if (SuppressionService.Normalize(channel, r, out var n, out _)) normalized.TryAdd(r!, n);
                else unknown.Add(Phones.Echo(r ?? ""));
            }
            var values = normalized.Values.Distinct().ToList();
            var found = channel == Channel.Sms
                ? await db.Contacts.Where(c => c.TenantId == tenantId && c.Phone != null && values.Contains(c.Phone)).Select(c => new { c.Id, Address = c.Phone! }).ToListAsync(ct)
                : await db.Contacts.Where(c => c.TenantId == tenantId && c.Email != null && values.Contains(c.Email)).Select(c => new { c.Id, Address = c.Email! }).ToListAsync(ct);
            var byAddress = found.ToDictionary(f => f.Address, f => f.Id, StringComparer.Ordinal);
            foreach (var (given, n) in normalized)
            {
                if (byAddress.TryGetValue(n, out var contactId)) wanted.Add(contactId);
                else unknown.Add(Phones.Echo(given));
            }
        }
    }

    /// <summary>Takes one contact out of the list; 404 when the list, or the contact in it, is not there.</summary>
    public async Task<Result<bool>> RemoveMemberAsync(long id, long contactId, Caller caller, CancellationToken ct)
    {
        var list = await CheckListAsync(id, caller, ct);
        if (!list.IsOk) return list.Error!;
        await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        var removed = await db.ContactListMembers.Where(m => m.ListId == id && m.ContactId == contactId).ExecuteDeleteAsync(ct);
        if (removed == 0) return AppError.NotFound($"contact_id: contact {contactId} is not in list {id}");
        await TouchAsync(id, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Removes contacts from the list; returns how many were members.</summary>
    public async Task<Result<int>> RemoveMembersAsync(long id, IReadOnlyList<long>? contactIds, Caller caller, CancellationToken ct)
    {
        var checkedIds = await CheckMembersAsync(id, contactIds, caller, ct);
        if (!checkedIds.IsOk) return checkedIds.Error!;
        var ids = checkedIds.Value.Ids;
        await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        var removed = await db.ContactListMembers.Where(m => m.ListId == id && ids.Contains(m.ContactId)).ExecuteDeleteAsync(ct);
        await TouchAsync(id, ct);
        await tx.CommitAsync(ct);
        return removed;
    }

    /// <summary>The lists a contact is in, by name.</summary>
    public async Task<Result<IReadOnlyList<ContactList>>> ListsOfAsync(long contactId, Caller caller, CancellationToken ct)
    {
        if (!await db.Contacts.InReachOf(caller).AnyAsync(c => c.Id == contactId, ct)) return AppError.NotFound($"id: no contact with id {contactId}");
        return await db.ContactLists.AsNoTracking().InReachOf(caller)
            .Where(l => db.ContactListMembers.Any(m => m.ListId == l.Id && m.ContactId == contactId))
            .OrderBy(l => l.Name).ToListAsync(ct);
    }

    private async Task<Result<(string TenantId, List<long> Ids)>> CheckMembersAsync(long id, IReadOnlyList<long>? contactIds, Caller caller, CancellationToken ct)
    {
        if (contactIds is null || contactIds.Count == 0)
        {
            if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot manage lists");
            return AppError.Validation("contact_ids: at least one contact id is required");
        }
        if (contactIds.Count > MaxMembersPerRequest) return AppError.Validation($"contact_ids: at most {MaxMembersPerRequest} a request");
        var list = await CheckListAsync(id, caller, ct);
        if (!list.IsOk) return list.Error!;
        var ids = await KnownIdsAsync(list.Value!, contactIds, ct);
        return ids.IsOk ? (list.Value!, ids.Value!) : ids.Error!;
    }

    /// <summary>The tenant of the list, when the caller may change its members.</summary>
    private async Task<Result<string>> CheckListAsync(long id, Caller caller, CancellationToken ct)
    {
        if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot manage lists");
        var tenantId = await db.ContactLists.AsNoTracking().InReachOf(caller).Where(l => l.Id == id).Select(l => l.TenantId).FirstOrDefaultAsync(ct);
        return tenantId is null ? NotFound(id) : tenantId;
    }

    /// <summary>The ids, distinct, when each is a contact of the tenant; another tenant's contact is answered as a missing one.</summary>
    private async Task<Result<List<long>>> KnownIdsAsync(string tenantId, IReadOnlyList<long> contactIds, CancellationToken ct)
    {
        var ids = contactIds.Distinct().ToList();
        var known = await db.Contacts.Where(c => c.TenantId == tenantId && ids.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
        if (ids.FirstOrDefault(i => !known.Contains(i)) is var missing && known.Count < ids.Count)
            return AppError.NotFound($"contact_ids: no contact with id {missing}");
        return ids;
    }

    private Task<int> TouchAsync(long id, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return db.ContactLists.Where(l => l.Id == id).ExecuteUpdateAsync(s => s.SetProperty(l => l.UpdatedAt, now), ct);
    }

    private static Result<string> CheckName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0) return AppError.Validation("name: required");
        if (trimmed.Length > ContactList.MaxName || trimmed.Any(char.IsControl))
            return AppError.Validation($"name: at most {ContactList.MaxName} characters, without control characters");
        return trimmed;
    }

    private static AppError NotFound(long id) => AppError.NotFound($"id: no list with id {id}");
}
