namespace CommsConsole.Features.Common;

public static class OwnedRecords
{
    /// <summary>The records the caller may read (<see cref="Caller.Reach"/>): tenant and user scoping is decided here and nowhere else.</summary>
    public static IQueryable<T> VisibleTo<T>(this IQueryable<T> q, Caller caller) where T : class, IOwnedRecord
    {
        if (caller.Reach == Reach.All) return q;
        q = q.Where(r => r.TenantId == caller.TenantId);
        return caller.Reach == Reach.Tenant ? q : q.Where(r => r.UserId == caller.UserId);
    }
}
