using CommsConsole.Data;
using CommsConsole.Features.Messaging;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Audiences;

/// <summary>
/// Who an audience is, as a query over the tenant's contacts that a send writes its rows from inside the database: the
/// members of a list today; a segment's members (its filter compiled to a query) plug in here as one more case.
/// </summary>
public sealed class AudienceService(AppDbContext db) : IAudienceResolver
{
    public async Task<Result<AudienceMembers>> MembersAsync(AudienceRef audience, string tenantId, CancellationToken ct)
    {
        switch (audience.Kind)
        {
            case AudienceKind.List:
                // The list must be the sending tenant's own: another tenant's answers as a missing one.
                if (!await db.ContactLists.AnyAsync(l => l.Id == audience.Id && l.TenantId == tenantId, ct))
                    return AppError.NotFound($"{audience.Field}: no list with id {audience.Id}");
                return new AudienceMembers(ListMembers(audience.Id, tenantId));
            default:
                return AppError.Validation($"{audience.Field}: segments are not available");
        }
    }

    /// <summary>
    /// The contacts of list <paramref name="listId"/>, as a query (nothing is read until it is run). A list holds only its
    /// tenant's contacts; the tenant is checked again all the same, but written so that SQLite does not take it for an index
    /// to search by: offered (TenantId, Phone), SQLite read every contact of the tenant for each page of a send read in id
    /// order (a million contacts took minutes instead of seconds).
    /// </summary>
    public IQueryable<Contact> ListMembers(long listId, string tenantId) =>
        db.Contacts.AsNoTracking().Where(c => c.TenantId + "" == tenantId && db.ContactListMembers.Any(m => m.ListId == listId && m.ContactId == c.Id));
}
