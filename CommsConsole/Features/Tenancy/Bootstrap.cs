using System.Security.Cryptography;
using CommsConsole.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Tenancy;

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
            logger.LogWarning("First login created: {Email} / {Password} (SystemAdmin of tenant {Tenant}). Change the password after signing in; a lost one is replaced by running the app with the argument " + ResetCommand + ".",
                options.AdminEmail, password, tenant.Name);
        }
        else
        {
            logger.LogInformation("First login created: {Email} (SystemAdmin of tenant {Tenant}), password from configuration.", options.AdminEmail, tenant.Name);
        }
    }

    /// <summary>The command-line word that resets the first login's password instead of serving.</summary>
    public const string ResetCommand = "reset-admin-password";

    /// <summary>
    /// A first login whose generated password was never seen (the first start crashed, or its log was lost) is recovered by
    /// <c>dotnet run --project CommsConsole -- reset-admin-password [email]</c>: a new password is generated, the account is
    /// unlocked, its sessions and tokens end, and the password is printed once. Returns the process exit code.
    /// </summary>
    public static async Task<int> ResetAdminPasswordAsync(this WebApplication app, string? email)
    {
        using var scope = app.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var options = app.Configuration.GetSection(BootstrapOptions.Section).Get<BootstrapOptions>() ?? new BootstrapOptions();
        email = string.IsNullOrWhiteSpace(email) ? options.AdminEmail : email.Trim();
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            Console.Error.WriteLine($"No user with the email '{email}'.");
            return 1;
        }
        var password = GeneratePassword();
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var reset = await users.ResetPasswordAsync(user, token, password);
        if (!reset.Succeeded)
        {
            Console.Error.WriteLine("The password could not be reset: " + string.Join(" ", reset.Errors.Select(e => e.Description)));
            return 1;
        }
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        // Written to the console rather than the log: this is the answer to the command, not an event of a running server.
        Console.WriteLine($"New password for {user.Email} ({user.Role}): {password}");
        return 0;
    }

    private static string GeneratePassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        var chars = RandomNumberGenerator.GetItems<char>(alphabet, 16);
        return new string(chars) + "-7a";
    }
}
