using System.Globalization;
using System.Text;
using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Audiences;

/// <summary>A list with how many contacts it holds.</summary>
public sealed record ContactListView(ContactList List, int Members);

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
    /// (else nothing is added). One <c>INSERT … SELECT … ON CONFLICT DO NOTHING</c> on both providers: a membership
    /// added by a request at the same moment is kept once, never an error.
    /// </summary>
    public async Task<Result<int>> AddMembersAsync(long id, IReadOnlyList<long>? contactIds, Caller caller, CancellationToken ct)
    {
        var checkedIds = await CheckMembersAsync(id, contactIds, caller, ct);
        if (!checkedIds.IsOk) return checkedIds.Error!;
        var (tenantId, ids) = checkedIds.Value;
        var sql = new StringBuilder("INSERT INTO \"ContactListMembers\" (\"ListId\", \"ContactId\", \"AddedAt\") SELECT {0}, c.\"Id\", {1} FROM \"Contacts\" c WHERE c.\"TenantId\" = {2} AND c.\"Id\" IN (");
        var parameters = new List<object> { id, clock.GetUtcNow().UtcTicks, tenantId };
        for (var i = 0; i < ids.Count; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append('{').Append((i + 3).ToString(CultureInfo.InvariantCulture)).Append('}');
            parameters.Add(ids[i]);
        }
        sql.Append(") ON CONFLICT DO NOTHING");
        await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        var added = await db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters, ct);
        await TouchAsync(id, ct);
        await tx.CommitAsync(ct);
        return added;
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
        if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot manage lists");
        if (contactIds is null || contactIds.Count == 0) return AppError.Validation("contact_ids: at least one contact id is required");
        if (contactIds.Count > MaxMembersPerRequest) return AppError.Validation($"contact_ids: at most {MaxMembersPerRequest} a request");
        var list = await db.ContactLists.AsNoTracking().InReachOf(caller).FirstOrDefaultAsync(l => l.Id == id, ct);
        if (list is null) return NotFound(id);
        var ids = contactIds.Distinct().ToList();
        // Another tenant's contact is answered as a missing one, and nothing is written.
        var known = await db.Contacts.Where(c => c.TenantId == list.TenantId && ids.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
        if (ids.FirstOrDefault(i => !known.Contains(i)) is var missing && known.Count < ids.Count)
            return AppError.NotFound($"contact_ids: no contact with id {missing}");
        return (list.TenantId, ids);
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
