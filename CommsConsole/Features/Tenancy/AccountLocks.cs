namespace CommsConsole.Features.Tenancy;

/// <summary>
/// Tells an Admin's lock from the short lockout that repeated wrong passwords earn. Only the first stops an API key:
/// otherwise whoever knows an integrator's email could cut off its working integration by guessing at the password.
/// </summary>
public static class AccountLocks
{
    /// <summary>An Admin's lock lasts until it is lifted.</summary>
    public static readonly DateTimeOffset LockedByAdmin = DateTimeOffset.MaxValue;

    // By year rather than equality: PostgreSQL keeps microseconds, so MaxValue does not come back exactly.
    public static bool IsLockedByAdmin(DateTimeOffset? lockoutEnd) => lockoutEnd is { Year: >= 9999 };
}
