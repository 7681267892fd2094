using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using CommsConsole.Features.Tenancy;
using CommsConsole.Testing;

namespace CommsConsole.Tests.Features.Tenancy;

/// <summary>
/// A new installation as its first user meets it: the README's run command on the address the user chose, and a first
/// login whose printed password was missed.
/// </summary>
/// <remarks>Each test starts the app as a process on its own SQLite file, so test.sh runs them in its SQLite pass only.</remarks>
[Trait("Database", "SqliteOnly")]
public sealed partial class FirstRunTests : IDisposable
{
    private const string AdminEmail = "admin@first-run.test";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "commsconsole-first-" + Guid.NewGuid().ToString("N")[..8]);

    public FirstRunTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private Dictionary<string, string> Settings() => new()
    {
        ["ConnectionStrings__DefaultConnection"] = $"Data Source={Path.Combine(_directory, "first.db")}",
        ["Bootstrap__AdminEmail"] = AdminEmail,
    };

    [Fact]
    public async Task DotnetRun_ListensWhereAspNetCoreUrlsSays()
    {
        var (root, configuration) = AppProcess.Locate();
        var port = FreePort();
        var psi = new ProcessStartInfo("dotnet", ["run", "--no-build", "-c", configuration, "--project", Path.Combine(root, "CommsConsole")])
        {
            WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var (key, value) in Settings()) psi.Environment[key] = value;
        psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        using var process = Process.Start(psi)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var healthy = false;
            for (var until = DateTime.UtcNow.AddSeconds(90); !healthy && DateTime.UtcNow < until && !process.HasExited;)
            {
                try { healthy = (await http.GetAsync($"http://127.0.0.1:{port}/health")).StatusCode == HttpStatusCode.OK; }
                catch (HttpRequestException) { await Task.Delay(200); }
                catch (TaskCanceledException) { }
            }
            Assert.True(healthy, "no answer on the ASPNETCORE_URLS port:\n" + string.Join('\n', output));
            Assert.Contains(output, line => line.Contains($"Now listening on: http://127.0.0.1:{port}", StringComparison.Ordinal));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task MissedFirstLogin_IsRecoveredByResetCommand_AndTheOldPasswordStopsWorking()
    {
        string printed;
        await using (var first = await AppProcess.StartAsync("first", Settings(), _directory))
        {
            var match = FirstLogin().Match(await File.ReadAllTextAsync(first.LogPath));
            Assert.True(match.Success, "the first start prints the first login");
            printed = match.Groups[1].Value;
        }

        var (code, stdout, _) = await RunAppAsync(Bootstrap.ResetCommand);
        Assert.Equal(0, code);
        var reset = NewPassword().Match(stdout);
        Assert.True(reset.Success, stdout);
        var password = reset.Groups[1].Value;
        Assert.NotEqual(printed, password);

        var (unknownCode, _, unknownError) = await RunAppAsync(Bootstrap.ResetCommand, "nobody@first-run.test");
        Assert.Equal(1, unknownCode);
        Assert.Contains("nobody@first-run.test", unknownError);

        await using var second = await AppProcess.StartAsync("second", Settings(), _directory);
        // The printed line is not repeated on later starts: the reset command is how a lost one is recovered.
        Assert.DoesNotMatch(FirstLogin(), await File.ReadAllTextAsync(second.LogPath));
        using var http = new HttpClient { BaseAddress = new Uri(second.BaseUrl) };
        var good = await http.PostAsJsonAsync("/auth/token", new { email = AdminEmail, password });
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        var old = await http.PostAsJsonAsync("/auth/token", new { email = AdminEmail, password = printed });
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
    }

    private async Task<(int Code, string Stdout, string Stderr)> RunAppAsync(params string[] args)
    {
        var (root, configuration) = AppProcess.Locate();
        var dll = Path.Combine(root, "CommsConsole", "bin", configuration, "net10.0", "CommsConsole.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            WorkingDirectory = Path.Combine(root, "CommsConsole"), RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in Settings()) psi.Environment[key] = value;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"First login created: \S+ / (\S+) ")]
    private static partial Regex FirstLogin();

    [GeneratedRegex(@"New password for \S+ \(\w+\): (\S+)")]
    private static partial Regex NewPassword();
}
