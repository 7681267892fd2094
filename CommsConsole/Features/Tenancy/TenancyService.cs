using CommsConsole.Data;
using CommsConsole.Features.Common;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Templates;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Tenancy;

public sealed record UserSummary(string Id, string Email, string Role, string TenantId, bool LockedOut);

/// <summary>Tenants and their users, with who may manage whom decided in one place.</summary>
public sealed class TenancyService(AppDbContext db, UserManager<ApplicationUser> users, TemplateService templates, TimeProvider clock)
{
    public async Task<Result<Tenant>> CreateTenantAsync(string? name, Caller caller, CancellationToken ct)
    {
        if (!caller.IsSystemAdmin) return AppError.Forbidden("only a SystemAdmin may create tenants");
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200) return AppError.Validation("name: required, at most 200 characters");
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

    public async Task<Result<ApplicationUser>> CreateUserAsync(string? email, string? password, string? role, string? tenantId, Caller caller, CancellationToken ct)
    {
        if (!caller.IsAdmin) return AppError.Forbidden("only an Admin or SystemAdmin may create users");
        tenantId = string.IsNullOrWhiteSpace(tenantId) ? caller.TenantId : tenantId.Trim();
        if (!caller.IsSystemAdmin && tenantId != caller.TenantId) return AppError.Forbidden("tenant_id: an Admin may only create users in its own tenant");
        if (!Roles.IsKnown(role)) return AppError.Validation($"role: must be one of {string.Join(", ", Roles.All)}");
        if (role == Roles.SystemAdmin && !caller.IsSystemAdmin) return AppError.Forbidden("role: only a SystemAdmin may create SystemAdmins");
        if (!EmailAddresses.TryNormalize(email, out var normalized, out var emailError)) return AppError.Validation($"email: {emailError}");
        if (string.IsNullOrEmpty(password)) return AppError.Validation("password: required");
        if (!await db.Tenants.AnyAsync(t => t.Id == tenantId, ct)) return AppError.NotFound($"tenant_id: no tenant '{tenantId}'");
        if (await users.FindByEmailAsync(normalized) is not null) return AppError.Conflict($"email: a user with '{normalized}' already exists");
        return await CreateUserCoreAsync(normalized, password, role!, tenantId);
    }

    internal async Task<Result<ApplicationUser>> CreateUserCoreAsync(string email, string password, string role, string tenantId)
    {
        var user = new ApplicationUser
        {
            UserName = email, Email = email, EmailConfirmed = true, TenantId = tenantId, Role = role, CreatedAt = clock.GetUtcNow(),
        };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
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
        var now = clock.GetUtcNow();
        var rows = await q.OrderBy(u => u.Email).Select(u => new { u.Id, u.Email, u.Role, u.TenantId, u.LockoutEnd }).ToListAsync(ct);
        return rows.Select(u => new UserSummary(u.Id, u.Email ?? "", u.Role, u.TenantId, u.LockoutEnd > now)).ToList();
    }

    public Task<List<Tenant>> ListTenantsAsync(Caller caller, CancellationToken ct) =>
        caller.IsSystemAdmin
            ? db.Tenants.AsNoTracking().OrderBy(t => t.Name).ToListAsync(ct)
            : db.Tenants.AsNoTracking().Where(t => t.Id == caller.TenantId).ToListAsync(ct);
}
