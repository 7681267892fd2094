using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace CommsConsole.Tests.Reliability;

/// <summary>
/// The app run as a real process, killed with SIGKILL five times while it dispatches a 10,000-message batch and
/// started again on the same database: every message must end sent or failed, none may be lost, and only the
/// chunks in flight at each kill may reach the provider twice.
/// </summary>
public sealed class CrashReliabilityTests(ITestOutputHelper output)
{
    private const string AdminEmail = "admin@crash.test";
    private const string AdminPassword = "Crash-Passw0rd!";
    private const int Total = 10_000;
    private const int Kills = 5;
    private const int ChunkSize = 200;
    private const int Workers = 4;

    [Fact]
    public async Task KilledFiveTimesMidDispatch_EveryMessageSettles_NoneLost_DuplicatesBoundedByInFlightChunks()
    {
        var watch = Stopwatch.StartNew();
        var directory = Path.Combine(Path.GetTempPath(), "commsconsole-crash-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var database = Path.Combine(directory, "crash.db");
        var record = Path.Combine(directory, "sent.txt");
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__DefaultConnection"] = $"Data Source={database}",
            ["Bootstrap__AdminEmail"] = AdminEmail,
            ["Bootstrap__AdminPassword"] = AdminPassword,
            ["Dispatch__SweepIntervalSeconds"] = "1",
            ["Dispatch__LeaseSeconds"] = "3",
            ["Dispatch__ChunkSize"] = ChunkSize.ToString(),
            ["Dispatch__Workers"] = Workers.ToString(),
            // The simulated latency is per chunk sent, not per message: 30 ms would dispatch all 10,000 in under a
            // second, before the first kill. 1.5 s per chunk (50 chunks over 4 workers) keeps dispatch busy through
            // all five kills while staying clear of the 3 s lease.
            ["Providers__Simulated__LatencyMs"] = "1500",
            ["Providers__Simulated__RecordPath"] = record,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var random = new Random(20261122);
        var app = await CrashableApp.StartAsync(settings, directory, "run0");
        try
        {
            using (var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl), Timeout = TimeSpan.FromSeconds(60) })
            {
                var token = await http.PostAsJsonAsync("/auth/token", new { email = AdminEmail, password = AdminPassword });
                Assert.Equal(HttpStatusCode.OK, token.StatusCode);
                var accessToken = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
                var phones = Enumerable.Range(0, Total).Select(i => $"134{i:D8}").ToArray();
                var bulk = await http.PostAsJsonAsync("/communication/bulk", new { channel = "sms", content = "crash test", recipients = phones });
                var text = await bulk.Content.ReadAsStringAsync();
                Assert.True(bulk.StatusCode == HttpStatusCode.OK, $"bulk answered {(int)bulk.StatusCode}: {text[..Math.Min(text.Length, 500)]}");
                Assert.Equal(Total, JsonDocument.Parse(text).RootElement.GetProperty("total").GetInt32());
            }
            output.WriteLine($"{watch.Elapsed.TotalSeconds:F1}s: {Total} messages accepted");

            for (var kill = 1; kill <= Kills; kill++)
            {
                var wait = TimeSpan.FromMilliseconds(random.Next(500, 2_500));
                await Task.Delay(wait);
                var before = Counts(database);
                app.Kill();
                Assert.True(before.GetValueOrDefault(0) + before.GetValueOrDefault(1) > 0, $"kill {kill} came after dispatch had finished: {Describe(before)}");
                output.WriteLine($"{watch.Elapsed.TotalSeconds:F1}s: kill {kill} after {wait.TotalMilliseconds:F0} ms; before it {Describe(before)}");
                app = await CrashableApp.StartAsync(settings, directory, $"run{kill}");
            }

            var until = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (true)
            {
                var counts = Counts(database);
                if (counts.GetValueOrDefault(0) + counts.GetValueOrDefault(1) == 0) break;
                Assert.True(DateTime.UtcNow < until, $"messages still unsettled after 3 minutes: {Describe(counts)}");
                await Task.Delay(500);
            }
            app.Kill();
        }
        finally
        {
            app.Kill();
        }

        var final = Counts(database);
        var received = File.ReadAllLines(record).Where(l => l.Length > 0).Select(long.Parse).ToList();
        var ids = MessageIds(database);
        var receivedSet = received.ToHashSet();
        var lost = ids.Count(id => !receivedSet.Contains(id));
        var duplicated = received.GroupBy(id => id).Count(g => g.Count() > 1);
        var extra = received.Count - receivedSet.Count;
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1}s: settled after {Kills} kills: {Describe(final)}; provider received {received.Count} ids, " +
                         $"{receivedSet.Count} distinct, {duplicated} received more than once ({extra} extra sends), {lost} never received");

        Assert.Equal(Total, ids.Count);
        Assert.Equal(Total, final.GetValueOrDefault(2) + final.GetValueOrDefault(4));
        Assert.Equal(0, lost);
        Assert.True(receivedSet.IsSubsetOf(ids), "the provider received ids that are not messages");
        // A kill can only repeat what was in flight: at most one chunk per worker.
        Assert.InRange(duplicated, 0, ChunkSize * Workers);

        SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

    private static string Describe(Dictionary<int, int> counts) =>
        string.Join(", ", new[] { "pending", "sending", "sent", "delivered", "failed", "cancelled" }.Select((name, i) => $"{counts.GetValueOrDefault(i)} {name}"));

    private static SqliteConnection Open(string database)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var busy = connection.CreateCommand();
        busy.CommandText = "PRAGMA busy_timeout = 5000";
        busy.ExecuteNonQuery();
        return connection;
    }

    private static Dictionary<int, int> Counts(string database)
    {
        using var connection = Open(database);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Status, COUNT(*) FROM Messages GROUP BY Status";
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<int, int>();
        while (reader.Read()) counts[reader.GetInt32(0)] = reader.GetInt32(1);
        return counts;
    }

    private static HashSet<long> MessageIds(string database)
    {
        using var connection = Open(database);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Id FROM Messages";
        using var reader = command.ExecuteReader();
        var ids = new HashSet<long>();
        while (reader.Read()) ids.Add(reader.GetInt64(0));
        return ids;
    }
}

/// <summary>The app as a separate process (dotnet CommsConsole.dll) on a free loopback port, which can be killed outright.</summary>
internal sealed class CrashableApp
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private CrashableApp(Process process, string baseUrl, StreamWriter log)
    {
        _process = process;
        BaseUrl = baseUrl;
        _log = log;
    }

    public string BaseUrl { get; }

    public static async Task<CrashableApp> StartAsync(IDictionary<string, string> settings, string directory, string name)
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
        foreach (var (key, value) in settings) psi.Environment[key] = value;

        var log = new StreamWriter(Path.Combine(directory, name + ".log")) { AutoFlush = true };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the app");
        var app = new CrashableApp(process, $"http://127.0.0.1:{port}", log);
        process.OutputDataReceived += (_, e) => app.Write(e.Data);
        process.ErrorDataReceived += (_, e) => app.Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < until)
        {
            if (process.HasExited) throw new InvalidOperationException($"The app exited with {process.ExitCode}; see {directory}/{name}.log");
            try
            {
                if ((await http.GetAsync(app.BaseUrl + "/health")).StatusCode == HttpStatusCode.OK) return app;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow start.
            }
            await Task.Delay(200);
        }
        app.Kill();
        throw new TimeoutException($"The app did not answer /health in time; see {directory}/{name}.log");
    }

    private void Write(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            try { _log.WriteLine(line); } catch (ObjectDisposedException) { }
        }
    }

    /// <summary>SIGKILL to the whole process tree: no shutdown hooks, no flushing, like a power cut for the process.</summary>
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static (string Root, string Configuration) Locate()
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
