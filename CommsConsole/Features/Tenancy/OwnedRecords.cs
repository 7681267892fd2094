namespace CommsConsole.Features.Tenancy;

/// <summary>A record that belongs to one user of one tenant (a message, a batch), read under <see cref="Caller.Reach"/>.</summary>
public interface IOwnedRecord
{
    string TenantId { get; }
    string UserId { get; }
}

/// <summary>Which owned records a caller may read: all (SystemAdmin), its tenant's (Admin, Auditor), or its own (everyone else).</summary>
public enum Reach { All, Tenant, Own }

public static class OwnedRecords
{
    /// <summary>The records the caller may read: tenant and user scoping is decided here and nowhere else.</summary>
    public static IQueryable<T> VisibleTo<T>(this IQueryable<T> q, Caller caller) where T : class, IOwnedRecord
    {
        if (caller.Reach == Reach.All) return q;
        q = q.Where(r => r.TenantId == caller.TenantId);
        return caller.Reach == Reach.Tenant ? q : q.Where(r => r.UserId == caller.UserId);
    }
}
