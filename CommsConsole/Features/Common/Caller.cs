using System.Security.Claims;

namespace CommsConsole.Features.Common;

/// <summary>Who is asking: the identity every service scopes its queries and commands by.</summary>
public sealed record Caller(string UserId, string TenantId, string Role)
{
    public const string TenantClaim = "tenant_id";

    public bool IsSystemAdmin => Role == Roles.SystemAdmin;
    public bool IsAdmin => Role is Roles.Admin or Roles.SystemAdmin;
    public bool CanSend => Roles.CanSend(Role);
    public bool SeesWholeTenant => Roles.SeesWholeTenant(Role);
    public bool ManagesAudience => Roles.ManagesAudience(Role);
    /// <summary>Whose messages and batches this caller may read (<see cref="OwnedRecords.VisibleTo{T}"/>).</summary>
    public Reach Reach => IsSystemAdmin ? Reach.All : SeesWholeTenant ? Reach.Tenant : Reach.Own;

    public static Caller? From(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true) return null;
        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? principal.FindFirstValue("sub");
        var tenant = principal.FindFirstValue(TenantClaim);
        var role = principal.FindFirstValue(ClaimTypes.Role) ?? principal.FindFirstValue("role");
        return id is null || tenant is null || role is null ? null : new Caller(id, tenant, role);
    }
}
