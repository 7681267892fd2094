using System.Security.Claims;
using CommsConsole.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Tenancy;

/// <summary>Adds the user's tenant and role to the cookie principal, the same claims the API's tokens carry.</summary>
public sealed class TenantClaimsPrincipalFactory(UserManager<ApplicationUser> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<ApplicationUser>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(ApplicationUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(Caller.TenantClaim, user.TenantId));
        identity.AddClaim(new Claim(ClaimTypes.Role, user.Role));
        return identity;
    }
}
