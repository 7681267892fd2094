using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Audit;

/// <summary>
/// The audit trail of actions on personal data. <see cref="Record"/> adds a row to the caller's unit of work, so that it
/// commits (or not) with the action it records; the trail is read by Admins and Auditors of the tenant.
/// </summary>
public sealed class AuditService(AppDbContext db, TimeProvider clock)
{
    public const string ContactExport = "contact.export";
    public const string ContactErase = "contact.erase";
    public const string ContactsExport = "contacts.export";

    /// <summary>Adds an audit row to <paramref name="db"/>'s pending changes; it is written by the caller's SaveChanges.</summary>
    public static AuditEvent Record(AppDbContext db, Caller caller, string tenantId, string action, string target, string? detail, DateTimeOffset at)
    {
        var row = new AuditEvent
        {
            TenantId = tenantId, UserId = caller.UserId, At = at, Action = action, Target = target,
            Detail = detail is { Length: > AuditEvent.MaxDetail } ? detail[..AuditEvent.MaxDetail] : detail,
        };
        db.AuditEvents.Add(row);
        return row;
    }

    /// <summary>Writes one audit row on its own (for actions that are reads, such as an export).</summary>
    public async Task WriteAsync(Caller caller, string tenantId, string action, string target, string? detail, CancellationToken ct)
    {
        Record(db, caller, tenantId, action, target, detail, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
    }

    /// <summary>May this caller read the trail: the tenant's Admins and Auditors (a SystemAdmin every tenant's).</summary>
    public static bool CanRead(Caller caller) => caller.IsAdmin || caller.Role == Roles.Auditor;

    /// <summary>A page of the trail, newest first, with the acting users' emails.</summary>
    public async Task<Result<Page<AuditView>>> ListAsync(int page, int pageSize, Caller caller, CancellationToken ct)
    {
        if (!CanRead(caller)) return AppError.Forbidden("only Admins and Auditors may read the audit trail");
        page = Math.Max(1, page);
        var size = Math.Clamp(pageSize, 1, PageSizes.Max);
        var q = db.AuditEvents.AsNoTracking().InReachOf(caller);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Skip((page - 1) * size).Take(size).ToListAsync(ct);
        var ids = rows.Select(r => r.UserId).Distinct().ToList();
        var emails = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email ?? u.Id, ct);
        return new Page<AuditView>(rows.Select(r => new AuditView(r, emails.GetValueOrDefault(r.UserId, r.UserId))).ToList(), page, size, total);
    }
}

/// <summary>An audit row with the acting user's email (or id, when the user is gone).</summary>
public sealed record AuditView(AuditEvent Event, string By);
