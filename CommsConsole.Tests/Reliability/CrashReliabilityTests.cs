using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using CommsConsole.Testing;
using Xunit.Abstractions;

namespace CommsConsole.Tests.Reliability;

/// <summary>
/// The app run as a real process, killed with SIGKILL five times while it dispatches a 10,000-message batch and
/// started again on the same database: every message must end sent or failed, none may be lost, and only the
/// chunks in flight at each kill may reach the provider twice.
/// </summary>
/// <remarks>Reads the SQLite file directly, so test.sh runs it in its SQLite pass only; MultiNodeTests kills a node on PostgreSQL.</remarks>
[Trait("Database", "SqliteOnly")]
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
            // Marketing SMS (the bulk default) would wait for the end of quiet hours when the test runs at night.
            ["Compliance__Defaults__QuietHoursStart"] = "00:00",
            ["Compliance__Defaults__QuietHoursEnd"] = "00:00",
        };
        var random = new Random(20261122);
        var inFlight = new HashSet<long>();
        var app = await AppProcess.StartAsync("run0", settings, directory);
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

            // Rows leased to a worker just before each kill: a chunk leased after the sample cannot have reached the
            // provider (1.5 s per chunk) before the kill that follows it at once.
            for (var kill = 1; kill <= Kills; kill++)
            {
                var wait = TimeSpan.FromMilliseconds(random.Next(500, 2_500));
                await Task.Delay(wait);
                var before = MessagesFile.Counts(database);
                var leased = MessagesFile.Sending(database);
                app.Kill();
                // Rows the process killed before this one had leased stay "sending" until their lease runs out (3 s), and a
                // quick restart and kill can come sooner: those are in flight already. What this process leased is one
                // chunk per worker at most.
                Assert.InRange(leased.Except(inFlight).Count(), 0, ChunkSize * Workers);
                inFlight.UnionWith(leased);
                Assert.True(MessagesFile.Unsettled(before) > 0, $"kill {kill} came after dispatch had finished: {MessagesFile.Describe(before)}");
                output.WriteLine($"{watch.Elapsed.TotalSeconds:F1}s: kill {kill} after {wait.TotalMilliseconds:F0} ms; before it {MessagesFile.Describe(before)}");
                app = await AppProcess.StartAsync($"run{kill}", settings, directory);
            }

            var until = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (true)
            {
                var counts = MessagesFile.Counts(database);
                if (MessagesFile.Unsettled(counts) == 0) break;
                Assert.True(DateTime.UtcNow < until, $"messages still unsettled after 3 minutes: {MessagesFile.Describe(counts)}");
                await Task.Delay(500);
            }
            app.Kill();
        }
        finally
        {
            app.Kill();
        }

        var final = MessagesFile.Counts(database);
        var received = MessagesFile.Received(record);
        var ids = MessagesFile.MessageIds(database);
        var receivedSet = received.ToHashSet();
        var lost = ids.Count(id => !receivedSet.Contains(id));
        var duplicated = received.GroupBy(id => id).Count(g => g.Count() > 1);
        var extra = received.Count - receivedSet.Count;
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1}s: settled after {Kills} kills: {MessagesFile.Describe(final)}; provider received {received.Count} ids, " +
                         $"{receivedSet.Count} distinct, {duplicated} received more than once ({extra} extra sends), {lost} never received");

        Assert.Equal(Total, ids.Count);
        Assert.Equal(Total, final.GetValueOrDefault(2) + final.GetValueOrDefault(4));
        Assert.Equal(0, lost);
        Assert.True(receivedSet.IsSubsetOf(ids), "the provider received ids that are not messages");
        // A kill can only repeat what was in flight at it (at most one chunk per worker, checked at each kill): every message
        // sent twice was leased to a worker when a process died.
        var repeated = received.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.DoesNotContain(repeated, id => !inFlight.Contains(id));
        Assert.True(File.Exists(Path.Combine(directory, "crash-jobs.db")), "Hangfire's jobs belong in a file beside the app's database");

        SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}

