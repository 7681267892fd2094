using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CommsConsole.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CommsConsole.Tests.Infrastructure;

/// <summary>
/// The real app on Kestrel (real HTTP on 127.0.0.1), a real SQLite file in a temporary folder and a real
/// Hangfire server, whose jobs are in a SQLite file of their own beside the database (app-jobs.db, Hangfire.Storage.SQLite).
/// Settings make dispatch fast to observe: short sweeps, leases and backoff.
/// <para>
/// With <c>COMMSCONSOLE_TEST_POSTGRES</c> set to a superuser connection string (test.sh starts a throw-away server and
/// sets it for its second run), each app runs on PostgreSQL instead, on a database of its own that is dropped with it,
/// with Hangfire on Hangfire.PostgreSql.
/// </para>
/// </summary>
public class AppFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminEmail = "admin@tests.local";
    public const string AdminPassword = "Admin-Passw0rd!";
    /// <summary>Numbers the simulated provider refuses permanently, to produce failed records on demand.</summary>
    public const string RejectedPrefix = "1990000";
    /// <summary>The key SUBHOOK delivery reports to this app are signed with.</summary>
    public const string SubhookKey = "subhook-test-key";

    private readonly Dictionary<string, string?> _settings = new();

    public AppFactory(string? directory, IDictionary<string, string?>? settings = null)
    {
        Directory = directory ?? Path.Combine(Path.GetTempPath(), "commsconsole-tests-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory);
        OwnsDirectory = directory is null;
        if (OnPostgres) _settings["Database:Provider"] = "Postgres";
        _settings["ConnectionStrings:DefaultConnection"] = ConnectionString;
        _settings["Bootstrap:AdminEmail"] = AdminEmail;
        _settings["Bootstrap:AdminPassword"] = AdminPassword;
        _settings["Dispatch:SweepIntervalSeconds"] = "1";
        _settings["Dispatch:LeaseSeconds"] = "5";
        _settings["Dispatch:RetryBaseSeconds"] = "0.1";
        _settings["Dispatch:ChunkSize"] = "200";
        _settings["Providers:Simulated:RejectRecipientPattern"] = "^" + RejectedPrefix;
        _settings["Providers:Simulated:RecordPath"] = RecordPath;
        _settings["Providers:Submail:SubhookKey"] = SubhookKey;
        _settings["Logging:LogLevel:Default"] = "Warning";
        // Uploaded CSV files wait in the test's own folder, whichever database it runs on.
        _settings["Imports:Folder"] = Path.Combine(Directory, "imports");
        // Tenants' provider accounts point at fakes on 127.0.0.1; the tests of the network target guard turn this off.
        _settings["Security:AllowPrivateNetworkTargets"] = "true";
        // Quiet hours would hold marketing SMS depending on the hour the tests run at; the tests of quiet hours turn them on.
        _settings["Compliance:Defaults:QuietHoursStart"] = "00:00";
        _settings["Compliance:Defaults:QuietHoursEnd"] = "00:00";
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) _settings[k] = v;
        UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
    }

    public string Directory { get; }
    private bool OwnsDirectory { get; }
    public string DatabasePath => Path.Combine(Directory, "app.db");

    /// <summary>The PostgreSQL server's superuser connection string when the tests run on PostgreSQL, else null.</summary>
    public static string? PostgresAdmin => Environment.GetEnvironmentVariable("COMMSCONSOLE_TEST_POSTGRES") is { Length: > 0 } s ? s : null;
    public static bool OnPostgres => PostgresAdmin is not null;

    /// <summary>The app's database: the SQLite file, or on PostgreSQL a database named after the folder (apps sharing a folder share it).</summary>
    public string ConnectionString => ConnectionStringFor(Directory);

    public static string ConnectionStringFor(string directory) => OnPostgres
        ? new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = PostgresDatabaseName(directory) }.ToString()
        : $"Data Source={Path.Combine(directory, "app.db")}";

    private static string PostgresDatabaseName(string directory) =>
        "cc_test_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(directory))))[..16];

    /// <summary>A context on the app's database that does not start the app (to read what a stopped app left behind).</summary>
    public AppDbContext DbWithoutStarting() => OnPostgres
        ? new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql(ConnectionString).Options)
        : new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite(ConnectionString).Options);

    /// <summary>Deletes what apps on <paramref name="directory"/> left: the folder and, on PostgreSQL, their database.</summary>
    public static async Task DeleteAsync(string directory)
    {
        SqliteConnection.ClearAllPools();
        if (OnPostgres)
        {
            await using var admin = new NpgsqlConnection(PostgresAdmin);
            await admin.OpenAsync();
            // FORCE ends the sessions still in the pools of the stopped app.
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{PostgresDatabaseName(directory)}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        try { System.IO.Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
    /// <summary>Every message id the simulated provider accepted, one per line, across restarts.</summary>
    public string RecordPath => Path.Combine(Directory, "sent.txt");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    public Task InitializeAsync()
    {
        StartServer();
        return Task.CompletedTask;
    }

    /// <summary>The address Kestrel listens on (a free port on 127.0.0.1).</summary>
    public Uri BaseAddress => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = BaseAddress });

    public async Task<HttpClient> ClientForAsync(string email, string password)
    {
        var client = Anonymous();
        var response = await client.PostAsJsonAsync("/auth/token", new { email, password });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public Task<HttpClient> AdminAsync() => ClientForAsync(AdminEmail, AdminPassword);

    /// <summary>Creates a tenant (as the SystemAdmin) and returns its id.</summary>
    public async Task<string> CreateTenantAsync(string? name = null)
    {
        using var admin = await AdminAsync();
        var response = await admin.PostAsJsonAsync("/admin/tenants", new { name = name ?? "tenant-" + Guid.NewGuid().ToString("N")[..8] });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>The password of the users the helpers below create.</summary>
    public const string UserPassword = "User-Passw0rd!";

    /// <summary>Creates a user (as the SystemAdmin) and returns a client signed in as that user, with its id.</summary>
    public async Task<(HttpClient Client, string UserId)> UserAsync(string role, string tenantId)
    {
        var (email, id) = await NewUserAsync(role, tenantId);
        return (await ClientForAsync(email, UserPassword), id);
    }

    /// <summary>Creates a user (as the SystemAdmin) with <see cref="UserPassword"/> and returns its email and id, without signing in.</summary>
    public async Task<(string Email, string UserId)> NewUserAsync(string role, string tenantId)
    {
        using var admin = await AdminAsync();
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}@tests.local";
        var response = await admin.PostAsJsonAsync("/admin/users", new { email, password = UserPassword, role, tenant_id = tenantId });
        response.EnsureSuccessStatusCode();
        return (email, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
    }

    /// <summary>A fresh DbContext on the app's database, for assertions on what was written.</summary>
    public AppDbContext Db() => Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();

    /// <summary>Waits until <paramref name="condition"/> holds, polling the database.</summary>
    public async Task WaitUntilAsync(Func<AppDbContext, Task<bool>> condition, TimeSpan? timeout = null, string? because = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            using (var db = Db())
            {
                if (await condition(db)) return;
            }
            if (DateTime.UtcNow > until) throw new TimeoutException("condition not met in time" + (because is null ? "" : ": " + because));
            await Task.Delay(100);
        }
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (OwnsDirectory) await DeleteAsync(Directory);
    }
}
