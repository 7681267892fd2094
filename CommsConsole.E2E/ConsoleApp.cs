using CommsConsole.Testing;

namespace CommsConsole.E2E;

/// <summary>The app the browser tests drive: its own process, a fresh SQLite file, a known first login.</summary>
public sealed class ConsoleApp : IAsyncDisposable
{
    public const string AdminEmail = "admin@e2e.test";
    public const string AdminPassword = "E2e-Passw0rd!";
    /// <summary>Numbers the simulated provider refuses permanently, to produce failures on demand.</summary>
    public const string RejectedPrefix = "1990000";

    private readonly AppProcess _process;
    private readonly string _directory;

    private ConsoleApp(AppProcess process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    public string BaseUrl => _process.BaseUrl;

    /// <summary>The app's console output (its log) so far.</summary>
    public string ReadLog()
    {
        using var reader = new StreamReader(new FileStream(_process.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        return reader.ReadToEnd();
    }

    /// <summary>Settings that send the installation's email to an SMTP peer on 127.0.0.1 (no TLS).</summary>
    public static IReadOnlyDictionary<string, string> SmtpPeerSettings(int port) => new Dictionary<string, string>
    {
        ["Providers:Email"] = "smtp", ["Providers:Smtp:Host"] = "127.0.0.1", ["Providers:Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Providers:Smtp:Security"] = "None", ["Providers:Smtp:FromAddress"] = "news@commsconsole.test",
    };

    public static async Task<ConsoleApp> StartAsync(string name, IReadOnlyDictionary<string, string>? extra = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "commsconsole-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:DefaultConnection"] = $"Data Source={Path.Combine(directory, "e2e.db")}",
            ["Bootstrap:AdminEmail"] = AdminEmail,
            ["Bootstrap:AdminPassword"] = AdminPassword,
            ["Providers:Simulated:RejectRecipientPattern"] = "^" + RejectedPrefix,
            ["Dispatch:SweepIntervalSeconds"] = "1",
            // Marketing SMS would otherwise wait for the end of quiet hours when the tests run at night.
            ["Compliance:Defaults:QuietHoursStart"] = "00:00",
            ["Compliance:Defaults:QuietHoursEnd"] = "00:00",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
        var process = await AppProcess.StartAsync(name, settings, Path.Combine(AppContext.BaseDirectory, "app-logs"));
        return new ConsoleApp(process, directory);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
