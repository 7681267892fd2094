using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace CommsConsole.Benchmarks;

/// <summary>
/// The real app run as its own process (dotnet CommsConsole.dll) on a free loopback port, against a SQLite file
/// of the benchmark's choosing, with the settings the brief fixes. Output goes to a log file under the build output.
/// </summary>
public sealed class AppServer : IAsyncDisposable
{
    public const string AdminEmail = "admin@bench.test";
    public const string AdminPassword = "Bench-Passw0rd!";

    private readonly Process _process;
    private readonly StreamWriter _log;

    private AppServer(Process process, string baseUrl, string dbPath, StreamWriter log)
    {
        _process = process;
        BaseUrl = baseUrl;
        DbPath = dbPath;
        _log = log;
        Http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(baseUrl),
            Timeout = TimeSpan.FromMinutes(5),
        };
    }

    public string BaseUrl { get; }
    public string DbPath { get; }
    public HttpClient Http { get; }
    public int Pid => _process.Id;

    public static async Task<AppServer> StartAsync(string name, string dbPath, IReadOnlyDictionary<string, string>? settings = null)
    {
        var dll = Path.Combine(Paths.Root, "CommsConsole", "bin", Paths.Configuration, "net10.0", "CommsConsole.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"Build the app first: {dll} is missing");
        var port = FreePort();
        var psi = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.Combine(Paths.Root, "CommsConsole"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        psi.Environment["ConnectionStrings__DefaultConnection"] = $"Data Source={dbPath}";
        psi.Environment["Bootstrap__AdminEmail"] = AdminEmail;
        psi.Environment["Bootstrap__AdminPassword"] = AdminPassword;
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) psi.Environment[key.Replace(":", "__")] = value;

        var logDir = Path.Combine(AppContext.BaseDirectory, "app-logs");
        Directory.CreateDirectory(logDir);
        var log = new StreamWriter(Path.Combine(logDir, name + ".log"), append: false) { AutoFlush = true };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the app");
        var server = new AppServer(process, $"http://127.0.0.1:{port}", dbPath, log);
        process.OutputDataReceived += (_, e) => server.Record(e.Data);
        process.ErrorDataReceived += (_, e) => server.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        await server.SignInAsync();
        return server;
    }

    private void Record(string? line)
    {
        if (line is null) return;
        lock (_log) _log.WriteLine(line);
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The app exited with {_process.ExitCode}; see its log under {AppContext.BaseDirectory}app-logs");
            try
            {
                if ((await http.GetAsync(BaseUrl + "/health")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException($"The app did not answer /health within {timeout}");
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
    public double MemoryMb(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
            var kb = long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]);
            return kb / 1024.0;
        }
        throw new InvalidOperationException($"{field} not found in /proc/{_process.Id}/status");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The repository root (holding CommsConsole.sln) and the configuration this program was built in.</summary>
public static class Paths
{
    private static readonly Lazy<(string Root, string Configuration)> Found = new(Locate);
    public static string Root => Found.Value.Root;
    public static string Configuration => Found.Value.Configuration;

    private static (string, string) Locate()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = bin.Parent?.Name ?? "Release"; // .../bin/<Configuration>/net10.0
        for (var dir = bin; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CommsConsole.sln"))) return (dir.FullName, configuration);
        }
        throw new InvalidOperationException("CommsConsole.sln not found above " + AppContext.BaseDirectory);
    }
}
