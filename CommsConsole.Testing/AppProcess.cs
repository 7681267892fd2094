using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CommsConsole.Testing;

/// <summary>
/// The real app started as its own process (<c>dotnet CommsConsole.dll</c>, built in the same configuration as the caller)
/// on a free loopback port, with settings passed as environment variables; its output goes to a log file. Browser tests,
/// crash tests and the benchmark program all start it this way.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private AppProcess(Process process, string baseUrl, string logPath)
    {
        _process = process;
        BaseUrl = baseUrl;
        LogPath = logPath;
        _log = new StreamWriter(logPath, append: false) { AutoFlush = true };
    }

    public string BaseUrl { get; }
    public string LogPath { get; }
    public int Pid => _process.Id;

    /// <param name="settings">Configuration keys (<c>Section:Key</c>) and values; the environment is Development unless set.</param>
    public static async Task<AppProcess> StartAsync(string name, IReadOnlyDictionary<string, string> settings, string logDirectory)
    {
        var (root, configuration) = Locate();
        var dll = Path.Combine(root, "CommsConsole", "bin", configuration, "net10.0", "CommsConsole.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"Build the app first: {dll} is missing");
        var port = FreePort();
        var psi = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.Combine(root, "CommsConsole"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in settings) psi.Environment[key.Replace(":", "__")] = value;

        Directory.CreateDirectory(logDirectory);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the app");
        var app = new AppProcess(process, $"http://127.0.0.1:{port}", Path.Combine(logDirectory, name + ".log"));
        process.OutputDataReceived += (_, e) => app.Record(e.Data);
        process.ErrorDataReceived += (_, e) => app.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await app.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        }
        catch
        {
            app.Kill();
            throw;
        }
        return app;
    }

    private void Record(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            try { _log.WriteLine(line); } catch (ObjectDisposedException) { }
        }
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The app exited with {_process.ExitCode}; see {LogPath}");
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
                // A slow first start.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"The app did not answer /health within {timeout}; see {LogPath}");
    }

    /// <summary>A field of /proc/&lt;pid&gt;/status in megabytes (VmHWM: peak resident set; VmRSS: current).</summary>
    public double MemoryMb(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
            return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]) / 1024.0;
        }
        throw new InvalidOperationException($"{field} not found in /proc/{_process.Id}/status");
    }

    /// <summary>SIGKILL to the whole process tree: no shutdown hooks and no flushing, like a power cut for the process.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        lock (_log) _log.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The repository root (holding CommsConsole.sln) and the configuration the caller was built in (…/bin/&lt;Configuration&gt;/net10.0).</summary>
    public static (string Root, string Configuration) Locate()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = bin.Parent?.Name ?? "Debug";
        for (var dir = bin; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CommsConsole.sln"))) return (dir.FullName, configuration);
        }
        throw new InvalidOperationException("CommsConsole.sln not found above " + AppContext.BaseDirectory);
    }
}
