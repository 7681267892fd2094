using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Audiences;

/// <summary>A saved segment with how many contacts match it now.</summary>
public sealed record SegmentView(Segment Segment, int Count);

/// <summary>
/// Segments: saved filters over a tenant's contacts (docs/segments.md), kept by name, counted live, and handed to other
/// features as a query of their members (<see cref="Members(AppDbContext, string, Segment, DateTimeOffset)"/>).
/// </summary>
public sealed class SegmentService(AppDbContext db, TimeProvider clock)
{
    /// <summary>Most segments a tenant keeps (the list page counts each).</summary>
    public const int MaxSegments = 200;

    /// <summary>
    /// The contacts of <paramref name="tenantId"/> that match the segment's filter at <paramref name="now"/>, as a query
    /// still to run: count it, page it, or use it in an <c>INSERT … SELECT</c>. Runs entirely in the database.
    /// </summary>
    /// <exception cref="InvalidOperationException">The stored filter does not parse (it was checked when saved).</exception>
    public static IQueryable<Contact> Members(AppDbContext db, string tenantId, Segment segment, DateTimeOffset now)
    {
        var parsed = SegmentFilter.Parse(segment.Filter);
        if (!parsed.IsOk) throw new InvalidOperationException($"segment {segment.Id}: {parsed.Error!.Message}");
        return SegmentQuery.Members(db, tenantId, parsed.Value!, now);
    }

    /// <summary>The contacts of <paramref name="tenantId"/> that match <paramref name="filter"/>, or the error naming the column.</summary>
    public static Result<IQueryable<Contact>> Members(AppDbContext db, string tenantId, string? filter, DateTimeOffset now)
    {
        var parsed = SegmentFilter.Parse(filter);
        return parsed.IsOk ? Result<IQueryable<Contact>>.Ok(SegmentQuery.Members(db, tenantId, parsed.Value!, now)) : parsed.Error!;
    }

    /// <summary>How many of the caller's tenant's contacts match <paramref name="filter"/> (the live count while it is typed).</summary>
    public async Task<Result<int>> CountAsync(string? filter, Caller caller, CancellationToken ct)
    {
        var members = Members(db, caller.TenantId, filter, clock.GetUtcNow());
        if (!members.IsOk) return members.Error!;
        return await members.Value!.CountAsync(ct);
    }

    /// <summary>The contacts of a saved segment the caller may read, or 404 for another tenant's or a missing one.</summary>
    public async Task<Result<IQueryable<Contact>>> MembersOfAsync(long id, Caller caller, CancellationToken ct)
    {
        var segment = await db.Segments.AsNoTracking().InReachOf(caller).FirstOrDefaultAsync(s => s.Id == id, ct);
        if (segment is null) return AppError.NotFound($"segment_id: no segment with id {id}");
        return Result<IQueryable<Contact>>.Ok(Members(db, segment.TenantId, segment, clock.GetUtcNow()));
    }

    public async Task<Result<IReadOnlyList<SegmentView>>> ListAsync(Caller caller, CancellationToken ct)
    {
        var segments = await NamesAsync(caller, ct);
        var now = clock.GetUtcNow();
        var views = new List<SegmentView>(segments.Count);
        foreach (var s in segments) views.Add(new SegmentView(s, await Members(db, s.TenantId, s, now).CountAsync(ct)));
        return views;
    }

    /// <summary>The caller's segments by name, uncounted (counting each would run every filter): for choosing one.</summary>
    public async Task<IReadOnlyList<Segment>> NamesAsync(Caller caller, CancellationToken ct) =>
        await db.Segments.AsNoTracking().InReachOf(caller).OrderBy(s => s.Name).ThenBy(s => s.Id).Take(MaxSegments).ToListAsync(ct);

    public async Task<Result<SegmentView>> GetAsync(long id, Caller caller, CancellationToken ct)
    {
        var segment = await db.Segments.AsNoTracking().InReachOf(caller).FirstOrDefaultAsync(s => s.Id == id, ct);
        if (segment is null) return NotFound(id);
        return new SegmentView(segment, await Members(db, segment.TenantId, segment, clock.GetUtcNow()).CountAsync(ct));
    }

    public async Task<Result<SegmentView>> CreateAsync(string? name, string? filter, Caller caller, CancellationToken ct)
    {
        if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot manage segments");
        var checkedInput = Check(name, filter);
        if (!checkedInput.IsOk) return checkedInput.Error!;
        var (checkedName, checkedFilter) = checkedInput.Value;
        if (await db.Segments.CountAsync(s => s.TenantId == caller.TenantId, ct) >= MaxSegments)
            return AppError.Conflict($"name: at most {MaxSegments} segments a tenant");
        var now = clock.GetUtcNow();
        var segment = new Segment { TenantId = caller.TenantId, Name = checkedName, Filter = checkedFilter, CreatedAt = now, UpdatedAt = now, CreatedBy = caller.UserId };
        db.Segments.Add(segment);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return AppError.Conflict($"name: a segment named '{segment.Name}' exists already");
        }
        return await GetAsync(segment.Id, caller, ct);
    }

    public async Task<Result<SegmentView>> UpdateAsync(long id, string? name, string? filter, Caller caller, CancellationToken ct)
    {
        if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot manage segments");
        var checkedInput = Check(name, filter);
        if (!checkedInput.IsOk) return checkedInput.Error!;
        var segment = await db.Segments.InReachOf(caller).FirstOrDefaultAsync(s => s.Id == id, ct);
        if (segment is null) return NotFound(id);
        (segment.Name, segment.Filter) = checkedInput.Value;
        segment.UpdatedAt = clock.GetUtcNow();
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return AppError.Conflict($"name: a segment named '{segment.Name}' exists already");
        }
        return await GetAsync(id, caller, ct);
    }

    public async Task<Result<bool>> DeleteAsync(long id, Caller caller, CancellationToken ct)
    {
        if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot manage segments");
        var deleted = await db.Segments.InReachOf(caller).Where(s => s.Id == id).ExecuteDeleteAsync(ct);
        return deleted > 0 ? true : NotFound(id);
    }

    private static Result<(string Name, string Filter)> Check(string? name, string? filter)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length is 0 or > Segment.MaxName || trimmed.Any(char.IsControl))
            return AppError.Validation($"name: required, 1 to {Segment.MaxName} characters without control characters");
        var parsed = SegmentFilter.Parse(filter);
        if (!parsed.IsOk) return parsed.Error!;
        return (trimmed, filter!.Trim());
    }

    private static AppError NotFound(long id) => AppError.NotFound($"id: no segment with id {id}");
}
