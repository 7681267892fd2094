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

    /// <summary>
    /// The tenant-wide records (contacts, lists) the caller may read: every role reads its own tenant's, a SystemAdmin
    /// every tenant's (<see cref="Caller.Reach"/> <see cref="Reach.All"/>). Another tenant's record is simply not there.
    /// </summary>
    public static IQueryable<T> InReachOf<T>(this IQueryable<T> q, Caller caller) where T : class, ITenantRecord =>
        caller.Reach == Reach.All ? q : q.Where(r => r.TenantId == caller.TenantId);
}
