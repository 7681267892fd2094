using System.Security.Cryptography;
using CommsConsole.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Tenancy;

public sealed class BootstrapOptions
{
    public const string Section = "Bootstrap";
    public string AdminEmail { get; set; } = "admin@commsconsole.local";
    public string? AdminPassword { get; set; }
    public string TenantName { get; set; } = "Default";
}

/// <summary>Brings the database to the current schema and, on an empty one, creates the first tenant and SystemAdmin.</summary>
public static class Bootstrap
{
    public static async Task InitializeDatabaseAsync(this WebApplication app)
    {
        using var scope = app.Services.CreateScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<AppDbContext>();
        var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("CommsConsole.Bootstrap");
        // Nodes starting together on one empty database take turns: the first migrates, seeds and creates the shared
        // keys; the others then find them.
        await db.WithStartupLockAsync(async () =>
        {
            await db.Database.MigrateAsync();
            await db.ConfigureStorageAsync();
            await SeedAsync(app, sp, logger);
            // Created now, under the lock, so that every node signs and protects with the same keys from its first request.
            _ = sp.GetRequiredService<JwtKeyProvider>().Key;
            sp.GetRequiredService<IDataProtectionProvider>().CreateProtector("CommsConsole.Bootstrap").Protect("key ring ready");
        });
    }

    private static async Task SeedAsync(WebApplication app, IServiceProvider sp, ILogger logger)
    {
        var db = sp.GetRequiredService<AppDbContext>();
        if (await db.Tenants.AnyAsync()) return;

        var options = app.Configuration.GetSection(BootstrapOptions.Section).Get<BootstrapOptions>() ?? new BootstrapOptions();
        var tenancy = sp.GetRequiredService<TenancyService>();
        var tenant = await tenancy.CreateTenantCoreAsync(options.TenantName, CancellationToken.None);
        var generated = string.IsNullOrEmpty(options.AdminPassword);
        var password = generated ? GeneratePassword() : options.AdminPassword!;
        var result = await tenancy.CreateUserCoreAsync(options.AdminEmail, password, Roles.SystemAdmin, tenant.Id);
        if (!result.IsOk) throw new InvalidOperationException($"Bootstrap:AdminEmail/AdminPassword rejected: {result.Error!.Message}");

        if (generated)
        {
            // Printed once, on the start that created the account: the only way to learn the first login.
            logger.LogWarning("First login created: {Email} / {Password} (SystemAdmin of tenant {Tenant}). Change the password after signing in.",
                options.AdminEmail, password, tenant.Name);
        }
        else
        {
            logger.LogInformation("First login created: {Email} (SystemAdmin of tenant {Tenant}), password from configuration.", options.AdminEmail, tenant.Name);
        }
    }

    private static string GeneratePassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        var chars = RandomNumberGenerator.GetItems<char>(alphabet, 16);
        return new string(chars) + "-7a";
    }
}
