using Microsoft.AspNetCore.Identity;

namespace CommsConsole.Data;

public class ApplicationUser : IdentityUser
{
    public ApplicationUser()
    {
        // Prefixed ids read like the documents' examples (usr_abc123) and cannot be confused with other ids.
        Id = "usr_" + Guid.NewGuid().ToString("N")[..16];
        SecurityStamp = Guid.NewGuid().ToString();
    }

    public string TenantId { get; set; } = "";
    public Tenant? Tenant { get; set; }

    /// <summary>The single role this user holds (also stored as an Identity role for policies).</summary>
    public string Role { get; set; } = Roles.Marketer;

    public DateTimeOffset CreatedAt { get; set; }
}
