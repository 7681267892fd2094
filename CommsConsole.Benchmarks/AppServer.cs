using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CommsConsole.Testing;

namespace CommsConsole.Benchmarks;

/// <summary>
/// The app as its own process against a SQLite file of the benchmark's choosing (or the database its settings name), signed in as its first login.
/// Output goes to a log file under the build output.
/// </summary>
public sealed class AppServer : IAsyncDisposable
{
    public const string AdminEmail = "admin@bench.test";
    public const string AdminPassword = "Bench-Passw0rd!";

    private readonly AppProcess _process;

    private AppServer(AppProcess process, string dbPath)
    {
        _process = process;
        BaseUrl = process.BaseUrl;
        DbPath = dbPath;
        Http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(BaseUrl),
            Timeout = TimeSpan.FromMinutes(5),
        };
    }

    public string BaseUrl { get; }
    public string DbPath { get; }
    public HttpClient Http { get; }
    public int Pid => _process.Pid;
    public string LogPath => _process.LogPath;

    public static async Task<AppServer> StartAsync(string name, string dbPath, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>
        {
            ["ConnectionStrings:DefaultConnection"] = $"Data Source={dbPath}",
            ["Bootstrap:AdminEmail"] = AdminEmail,
            ["Bootstrap:AdminPassword"] = AdminPassword,
            ["Logging:LogLevel:Default"] = "Warning",
            // Times in the kept logs, so that a stall in a run can be placed.
            ["Logging:Console:TimestampFormat"] = "HH:mm:ss.fff ",
            // The tenant's SUBMAIL account of figure 2b points at the fake SUBMAIL server on 127.0.0.1.
            ["Security:AllowPrivateNetworkTargets"] = "true",
            // Marketing SMS (the bulk default) would wait for the end of the quiet hours when the benchmark runs at night.
            ["Compliance:Defaults:QuietHoursStart"] = "00:00",
            ["Compliance:Defaults:QuietHoursEnd"] = "00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) all[key] = value;
        var process = await AppProcess.StartAsync(name, all, Path.Combine(AppContext.BaseDirectory, "app-logs"));
        var server = new AppServer(process, dbPath);
        await server.SignInAsync();
        return server;
    }

    private async Task SignInAsync()
    {
        using var response = await Http.PostAsJsonAsync("/auth/token", new { email = AdminEmail, password = AdminPassword });
        await EnsureOkAsync(response, "POST /auth/token");
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var token = doc.RootElement.GetProperty("access_token").GetString();
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public static async Task EnsureOkAsync(HttpResponseMessage response, string what)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync();
        throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}: {(body.Length > 500 ? body[..500] : body)}");
    }

    /// <summary>A field of /proc/&lt;pid&gt;/status in megabytes (VmHWM: peak resident set; VmRSS: current).</summary>
    public double MemoryMb(string field) => _process.MemoryMb(field);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync();
    }
}

/// <summary>The repository root (holding CommsConsole.sln) and the configuration this program was built in.</summary>
public static class Paths
{
    private static readonly Lazy<(string Root, string Configuration)> Found = new(AppProcess.Locate);
    public static string Root => Found.Value.Root;
    public static string Configuration => Found.Value.Configuration;
}
