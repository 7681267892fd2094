using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CommsConsole.Features.Compliance;
using CommsConsole.Testing;
using CommsConsole.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace CommsConsole.Tests.Reliability;

/// <summary>
/// Hangfire's jobs on the embedded default (Hangfire.Storage.SQLite), with the app run as a real process and killed with
/// SIGKILL: what the job storage keeps through a restart, and that two processes on one jobs file send each message once.
/// </summary>
/// <remarks>Reads the SQLite files directly, so test.sh runs it in its SQLite pass only.</remarks>
[Trait("Database", "SqliteOnly")]
public sealed class JobStorageTests(ITestOutputHelper output)
{
    private const string AdminEmail = "admin@jobs.test";
    private const string AdminPassword = "Jobs-Passw0rd!";
    private const string ScheduledJob = "Dispatch scheduled messages";
    private const string DueJob = "Dispatch due messages";

    /// <summary>
    /// A marketing SMS sent inside the quiet hours is scheduled for their end (the API's way of sending later). The app is
    /// killed before that time and started again; its sweeper looks only at start-up (once an hour after), so only the
    /// scheduled job the storage kept can send the message at its time. The dashboard shows that job, the job history and
    /// the recurring jobs after the restart.
    /// </summary>
    [Fact]
    public async Task ScheduledSend_AppKilledBeforeItsTime_GoesOutAtItsTimeFromTheKeptJob_Once()
    {
        var watch = Stopwatch.StartNew();
        var directory = NewDirectory("commsconsole-jobs-restart-");
        var database = Path.Combine(directory, "app.db");
        var record = Path.Combine(directory, "sent.txt");

        // The quiet hours end on a whole minute (their unit) far enough ahead to kill and restart the app before it.
        var now = DateTimeOffset.UtcNow;
        var due = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(1);
        // Starting, sending once, reading the dashboard and starting again took over 80 s with the whole test command and
        // other work on two cores.
        if (due - now < TimeSpan.FromSeconds(110)) due = due.AddMinutes(1);
        var settings = Settings(directory, record);
        settings["Dispatch:SweepIntervalSeconds"] = "3600";
        settings["Compliance:Defaults:TimeZoneId"] = "UTC";
        settings["Compliance:Defaults:QuietHoursStart"] = due.AddMinutes(-3).ToString("HH:mm", CultureInfo.InvariantCulture);
        settings["Compliance:Defaults:QuietHoursEnd"] = due.ToString("HH:mm", CultureInfo.InvariantCulture);

        var app = await AppProcess.StartAsync("run1", settings, directory);
        try
        {
            long scheduledId;
            using (var http = await SignedInAsync(app))
            {
                // A send now leaves a succeeded dispatch job in the history.
                var now1 = await BulkAsync(http, "transactional", "13900000001");
                await WaitUntilAsync(async () => (await LogAsync(http, now1)).Status == "sent", TimeSpan.FromSeconds(30), "the transactional SMS sent at once");
                scheduledId = await BulkAsync(http, "marketing", "13900000002");
                Assert.Equal("pending", (await LogAsync(http, scheduledId)).Status);
            }
            using (var browser = await DashboardAsync(app))
            {
                await WaitUntilAsync(async () => (await browser.Client.GetStringAsync("/hangfire/jobs/succeeded")).Contains(DueJob),
                    TimeSpan.FromSeconds(30), "the first dispatch job in the succeeded list");
                Assert.True(DateTimeOffset.UtcNow < due, $"the first run reached its dashboard after the send was due ({due:HH:mm:ss}); the test proves nothing");
                Assert.Contains(ScheduledJob, await browser.Client.GetStringAsync("/hangfire/jobs/scheduled"));
            }
            app.Kill();
            output.WriteLine($"{watch.Elapsed.TotalSeconds:F1}s: killed; the send is due at {due:HH:mm:ss} UTC");

            app = await AppProcess.StartAsync("run2", settings, directory);
            Assert.True(DateTimeOffset.UtcNow < due, $"the restart ended after the send was due ({due:HH:mm:ss}); the test proves nothing");
            using (var browser = await DashboardAsync(app))
            {
                Assert.Contains(ScheduledJob, await browser.Client.GetStringAsync("/hangfire/jobs/scheduled"));
                Assert.Contains(DueJob, await browser.Client.GetStringAsync("/hangfire/jobs/succeeded"));
                Assert.Contains(RetentionJob.RecurringId, await browser.Client.GetStringAsync("/hangfire/recurring"));
            }
            var counts = MessagesFile.Counts(database);
            Assert.Equal((1, 1), (counts.GetValueOrDefault(2), counts.GetValueOrDefault(0)));
            output.WriteLine($"{watch.Elapsed.TotalSeconds:F1}s: started again; the scheduled job, the history and the recurring job are listed");

            using (var http = await SignedInAsync(app))
            {
                await WaitUntilAsync(async () => (await LogAsync(http, scheduledId)).Status == "sent", due - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30),
                    "the scheduled SMS sent after the restart");
                var sentAt = DateTimeOffset.Parse((await LogAsync(http, scheduledId)).SentAt!, CultureInfo.InvariantCulture);
                output.WriteLine($"{watch.Elapsed.TotalSeconds:F1}s: sent at {sentAt:HH:mm:ss} UTC, due at {due:HH:mm:ss}");
                Assert.True(sentAt >= due, $"sent at {sentAt:O}, before its time {due:O}");
                Assert.True(sentAt < due.AddSeconds(15), $"sent at {sentAt:O}, long after its time {due:O}");
            }
            using (var browser = await DashboardAsync(app))
            {
                // Hangfire marks the job succeeded once its body has returned, just after the message shows sent.
                await WaitUntilAsync(async () => (await browser.Client.GetStringAsync("/hangfire/jobs/succeeded")).Contains(ScheduledJob, StringComparison.Ordinal),
                    TimeSpan.FromSeconds(30), "the scheduled job listed as succeeded");
            }
            app.Kill();

            Assert.Single(MessagesFile.Received(record), id => id == scheduledId);
            Assert.True(File.Exists(Path.Combine(directory, "app-jobs.db")), "the jobs file belongs beside the app's database");
        }
        finally
        {
            app.Kill();
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    private static string NewDirectory(string prefix)
    {
        var directory = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        return directory;
    }

    private static Dictionary<string, string> Settings(string directory, string record) => new()
    {
        ["ConnectionStrings:DefaultConnection"] = $"Data Source={Path.Combine(directory, "app.db")}",
        ["Bootstrap:AdminEmail"] = AdminEmail,
        ["Bootstrap:AdminPassword"] = AdminPassword,
        ["Dispatch:SweepIntervalSeconds"] = "1",
        ["Dispatch:LeaseSeconds"] = "5",
        ["Providers:Simulated:RecordPath"] = record,
        ["Logging:LogLevel:Default"] = "Warning",
        ["Compliance:Defaults:QuietHoursStart"] = "00:00",
        ["Compliance:Defaults:QuietHoursEnd"] = "00:00",
    };

    private static async Task<HttpClient> SignedInAsync(AppProcess app)
    {
        var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        var token = await http.PostAsJsonAsync("/auth/token", new { email = AdminEmail, password = AdminPassword });
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        var accessToken = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return http;
    }

    /// <summary>The SystemAdmin signed in to the console, so that <c>/hangfire</c> answers.</summary>
    private static async Task<ConsoleBrowser> DashboardAsync(AppProcess app)
    {
        var browser = new ConsoleBrowser(new Uri(app.BaseUrl));
        Assert.True(ConsoleBrowser.StartsSession(await browser.SignInAsync(AdminEmail, AdminPassword)), "the SystemAdmin could not sign in");
        return browser;
    }

    /// <summary>Sends one SMS to <paramref name="phone"/> and returns its message id.</summary>
    private static async Task<long> BulkAsync(HttpClient http, string purpose, string phone)
    {
        var response = await http.PostAsJsonAsync("/communication/bulk", new { channel = "sms", content = "jobs test", recipients = new[] { phone }, purpose });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"bulk answered {(int)response.StatusCode}: {body}");
        return long.Parse(JsonDocument.Parse(body).RootElement.GetProperty("items")[0].GetProperty("id").GetString()!["log_".Length..], CultureInfo.InvariantCulture);
    }

    private sealed record Log(string Status, string? SentAt);

    private static async Task<Log> LogAsync(HttpClient http, long id)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/communication/logs?page_size=100"));
        var item = doc.RootElement.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetString() == "log_" + id);
        return new Log(item.GetProperty("status").GetString()!, item.GetProperty("sent_at").GetString());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string because)
    {
        var until = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("condition not met in time: " + because);
            await Task.Delay(200);
        }
    }
}
