using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CommsConsole.E2E;

/// <summary>
/// The real app started as a separate process (dotnet CommsConsole.dll) on a free loopback port with a
/// fresh SQLite file, stopped and cleaned up afterwards. Its output goes to a log file beside the tests.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    public const string AdminEmail = "admin@e2e.test";
    public const string AdminPassword = "E2e-Passw0rd!";
    /// <summary>Numbers the simulated provider refuses permanently, to produce failures on demand.</summary>
    public const string RejectedPrefix = "1990000";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StreamWriter _log;

    private AppProcess(Process process, string baseUrl, string directory, StreamWriter log)
    {
        _process = process;
        BaseUrl = baseUrl;
        Directory = directory;
        _log = log;
    }

    public string BaseUrl { get; }
    public string Directory { get; }

    public static async Task<AppProcess> StartAsync(string name, IDictionary<string, string>? settings = null)
    {
        var (root, configuration) = Locate();
        var dll = Path.Combine(root, "CommsConsole", "bin", configuration, "net10.0", "CommsConsole.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"Build the app first: {dll} is missing");

        var directory = Path.Combine(Path.GetTempPath(), "commsconsole-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        var port = FreePort();
        var psi = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.Combine(root, "CommsConsole"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        psi.Environment["ConnectionStrings__DefaultConnection"] = $"Data Source={Path.Combine(directory, "e2e.db")}";
        psi.Environment["Bootstrap__AdminEmail"] = AdminEmail;
        psi.Environment["Bootstrap__AdminPassword"] = AdminPassword;
        psi.Environment["Providers__Simulated__RejectRecipientPattern"] = "^" + RejectedPrefix;
        psi.Environment["Dispatch__SweepIntervalSeconds"] = "1";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) psi.Environment[key.Replace(":", "__")] = value;

        var logDir = Path.Combine(AppContext.BaseDirectory, "app-logs");
        System.IO.Directory.CreateDirectory(logDir);
        var log = new StreamWriter(Path.Combine(logDir, name + ".log"), append: false) { AutoFlush = true };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the app");
        var app = new AppProcess(process, $"http://127.0.0.1:{port}", directory, log);
        process.OutputDataReceived += (_, e) => app.Record(e.Data);
        process.ErrorDataReceived += (_, e) => app.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await app.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        return app;
    }

    private void Record(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            _log.WriteLine(line);
        }
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The app exited with {_process.ExitCode}:\n{Output}");
            try
            {
                if ((await http.GetAsync(BaseUrl + "/health")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow first start.
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"The app did not answer /health within {timeout}:\n{Output}");
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        lock (_output) _log.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The repository root (holding CommsConsole.sln) and the configuration these tests were built in.</summary>
    private static (string Root, string Configuration) Locate()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = bin.Parent?.Name ?? "Debug"; // .../bin/<Configuration>/net10.0
        for (var dir = bin; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CommsConsole.sln"))) return (dir.FullName, configuration);
        }
        throw new InvalidOperationException("CommsConsole.sln not found above " + AppContext.BaseDirectory);
    }
}
