using CommsConsole.Data;
using CommsConsole.Features.Templates;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Tenancy;

/// <summary>Tenants and their users, with who may manage whom decided in one place.</summary>
public sealed class TenancyService(AppDbContext db, UserManager<ApplicationUser> users, TemplateService templates, AccountEmails emails, TimeProvider clock)
{
    public async Task<Result<Tenant>> CreateTenantAsync(string? name, Caller caller, CancellationToken ct)
    {
        if (!caller.IsSystemAdmin) return AppError.Forbidden("only a SystemAdmin may create tenants");
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > Tenant.MaxName) return AppError.Validation($"name: required, at most {Tenant.MaxName} characters");
        if (await db.Tenants.AnyAsync(t => t.Name == name, ct)) return AppError.Conflict($"name: a tenant named '{name}' already exists");
        return await CreateTenantCoreAsync(name, ct);
    }

    internal async Task<Tenant> CreateTenantCoreAsync(string name, CancellationToken ct)
    {
        var tenant = new Tenant { Name = name, CreatedAt = clock.GetUtcNow() };
        db.Tenants.Add(tenant);
        await db.SaveChangesAsync(ct);
        await templates.SeedDefaultsAsync(tenant.Id, ct);
        return tenant;
    }

    /// <summary>
    /// Creates a user with the password given, or, without one, with none and an emailed invitation to choose it (so an
    /// Admin never has to know or type anyone's password).
    /// </summary>
    public async Task<Result<NewUser>> CreateUserAsync(string? email, string? password, string? role, string? tenantId, Caller caller, CancellationToken ct)
    {
        if (!caller.IsAdmin) return AppError.Forbidden("only an Admin or SystemAdmin may create users");
        tenantId = string.IsNullOrWhiteSpace(tenantId) ? caller.TenantId : tenantId.Trim();
        if (!caller.IsSystemAdmin && tenantId != caller.TenantId) return AppError.Forbidden("tenant_id: an Admin may only create users in its own tenant");
        if (!Roles.IsKnown(role)) return AppError.Validation($"role: must be one of {string.Join(", ", Roles.All)}");
        if (role == Roles.SystemAdmin && !caller.IsSystemAdmin) return AppError.Forbidden("role: only a SystemAdmin may create SystemAdmins");
        if (!EmailAddresses.TryNormalize(email, out var normalized, out var emailError)) return AppError.Validation($"email: {emailError}");
        if (!await db.Tenants.AnyAsync(t => t.Id == tenantId, ct)) return AppError.NotFound($"tenant_id: no tenant '{tenantId}'");
        if (await users.FindByEmailAsync(normalized) is not null) return AppError.Conflict($"email: a user with '{normalized}' already exists");
        var invite = string.IsNullOrEmpty(password);
        var created = await CreateUserCoreAsync(normalized, invite ? null : password, role!, tenantId);
        if (!created.IsOk) return created.Error!;
        var problem = invite ? await emails.SendInvitationAsync(created.Value!, ct) : null;
        return new NewUser(created.Value!, invite, problem);
    }

    internal async Task<Result<ApplicationUser>> CreateUserCoreAsync(string email, string? password, string role, string tenantId)
    {
        var user = new ApplicationUser
        {
            UserName = email, Email = email, EmailConfirmed = true, TenantId = tenantId, Role = role, CreatedAt = clock.GetUtcNow(),
        };
        IdentityResult created;
        try
        {
            created = password is null ? await users.CreateAsync(user) : await users.CreateAsync(user, password);
        }
        catch (DbUpdateException)
        {
            // Two requests for one new email at once: the unique index on the user name lets one of them in.
            return AppError.Conflict($"email: a user with '{email}' already exists");
        }
        if (!created.Succeeded)
        {
            // The other request of a race got in between our check and Identity's own.
            if (created.Errors.Any(e => e.Code is "DuplicateUserName" or "DuplicateEmail"))
                return AppError.Conflict($"email: a user with '{email}' already exists");
            var field = created.Errors.Any(e => e.Code.StartsWith("Password", StringComparison.Ordinal)) ? "password" : "email";
            return AppError.Validation($"{field}: {string.Join(" ", created.Errors.Select(e => e.Description))}");
        }
        return user;
    }

    public async Task<List<UserSummary>> ListUsersAsync(Caller caller, CancellationToken ct)
    {
        if (!caller.IsAdmin) return [];
        var q = db.Users.AsNoTracking();
        if (!caller.IsSystemAdmin) q = q.Where(u => u.TenantId == caller.TenantId);
        var rows = await q.OrderBy(u => u.Email).ToListAsync(ct);
        return rows.Select(Summary).ToList();
    }

    public async Task<Result<UserSummary>> ChangeRoleAsync(string userId, string role, Caller caller, CancellationToken ct)
    {
        var found = await ManageableAsync(userId, caller, ct);
        if (!found.IsOk) return found.Error!;
        if (!Roles.IsKnown(role)) return AppError.Validation($"role: must be one of {string.Join(", ", Roles.All)}");
        if (role == Roles.SystemAdmin && !caller.IsSystemAdmin) return AppError.Forbidden("role: only a SystemAdmin may grant SystemAdmin");
        if (userId == caller.UserId) return AppError.Validation("role: you cannot change your own role");
        var user = found.Value!;
        user.Role = role;
        await users.UpdateAsync(user);
        await users.UpdateSecurityStampAsync(user); // signs the user out of the console so the new role applies
        return Summary(user);
    }

    /// <summary>Locks a user out (until unlocked) or lets them back in.</summary>
    public async Task<Result<UserSummary>> SetLockedAsync(string userId, bool locked, Caller caller, CancellationToken ct)
    {
        var found = await ManageableAsync(userId, caller, ct);
        if (!found.IsOk) return found.Error!;
        if (userId == caller.UserId) return AppError.Validation("you cannot lock yourself out");
        var user = found.Value!;
        await users.SetLockoutEnabledAsync(user, true);
        await users.SetLockoutEndDateAsync(user, locked ? AccountLocks.LockedByAdmin : null);
        if (!locked) await users.ResetAccessFailedCountAsync(user);
        await users.UpdateSecurityStampAsync(user);
        return Summary(user);
    }

    private async Task<Result<ApplicationUser>> ManageableAsync(string userId, Caller caller, CancellationToken ct)
    {
        if (!caller.IsAdmin) return AppError.Forbidden("only an Admin or SystemAdmin may manage users");
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId && (caller.IsSystemAdmin || u.TenantId == caller.TenantId), ct);
        if (user is null) return AppError.NotFound($"no user '{userId}'");
        if (user.Role == Roles.SystemAdmin && !caller.IsSystemAdmin) return AppError.Forbidden("only a SystemAdmin may manage a SystemAdmin");
        return user;
    }

    private UserSummary Summary(ApplicationUser u) => new(u.Id, u.Email ?? "", u.Role, u.TenantId, u.LockoutEnd > clock.GetUtcNow());

    public Task<string?> TenantNameAsync(Caller caller, CancellationToken ct) =>
        db.Tenants.Where(t => t.Id == caller.TenantId).Select(t => (string?)t.Name).FirstOrDefaultAsync(ct);

    public Task<List<Tenant>> ListTenantsAsync(Caller caller, CancellationToken ct) =>
        caller.IsSystemAdmin
            ? db.Tenants.AsNoTracking().OrderBy(t => t.Name).ToListAsync(ct)
            : db.Tenants.AsNoTracking().Where(t => t.Id == caller.TenantId).ToListAsync(ct);
}
