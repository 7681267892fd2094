using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CommsConsole.Testing;
using CommsConsole.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace CommsConsole.Tests.Reliability;

/// <summary>
/// Two app processes on one PostgreSQL database, as behind a load balancer. They start together on an empty database,
/// share sign-ins and stored secrets, and share the dispatch of 20,000 messages sent through node A. Node B is killed
/// with SIGKILL while it holds a claimed chunk; node A sends that chunk once its lease runs out. Each node's simulated
/// provider keeps its own record of what it sent, so shares and duplicates are counted from data, not timing.
/// <para>PostgreSQL only: test.sh runs it in its PostgreSQL pass and leaves it out of the SQLite pass by its trait.</para>
/// </summary>
[Trait("Database", "PostgresOnly")]
public sealed partial class MultiNodeTests(ITestOutputHelper output)
{
    private const string AdminEmail = "admin@nodes.test";
    private const string AdminPassword = "Nodes-Passw0rd!";
    private const int Requests = 2;
    private const int PerRequest = 10_000; // the bulk API's most recipients in one request
    private const int Total = Requests * PerRequest;
    private const int ChunkSize = 200;
    private const int LeaseSeconds = 6;

    [Fact]
    public async Task TwoNodes_ShareOneBatch_EachMessageSentOnce_AndTheSurvivorFinishesTheKilledNodesChunk()
    {
        var server = AppFactory.PostgresAdmin
            ?? throw new InvalidOperationException("this test needs PostgreSQL: set COMMSCONSOLE_TEST_POSTGRES to a superuser connection string (test.sh does)");
        var watch = Stopwatch.StartNew();
        var directory = Path.Combine(Path.GetTempPath(), "commsconsole-nodes-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var database = "cc_nodes_" + Guid.NewGuid().ToString("N")[..12];
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ToString();
        var recordA = Path.Combine(directory, "sent-a.txt");
        var recordB = Path.Combine(directory, "sent-b.txt");

        Dictionary<string, string> Settings(string node, int workers, string record) => new()
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:DefaultConnection"] = connectionString,
            ["Bootstrap:AdminEmail"] = AdminEmail,
            ["Bootstrap:AdminPassword"] = AdminPassword,
            ["Dispatch:Node"] = node,
            ["Dispatch:Workers"] = workers.ToString(),
            ["Dispatch:ChunkSize"] = ChunkSize.ToString(),
            ["Dispatch:LeaseSeconds"] = LeaseSeconds.ToString(),
            ["Dispatch:SweepIntervalSeconds"] = "1",
            // A second per chunk keeps the batch busy long enough to kill B mid-way; the record is flushed only after it.
            ["Providers:Simulated:LatencyMs"] = "1000",
            ["Providers:Simulated:RecordPath"] = record,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:CommsConsole.Features.Dispatch"] = "Debug",
        };

        // B runs one worker, so that the moment after its chunk is written it is certainly waiting on the provider
        // with its next claim: killed then, it has sent nothing it did not also record as sent.
        var starting = new[]
        {
            AppProcess.StartAsync("node-a", Settings("node-a", 4, recordA), directory),
            AppProcess.StartAsync("node-b", Settings("node-b", 1, recordB), directory),
        };
        AppProcess? a = null, b = null;
        try
        {
            var started = await Task.WhenAll(starting);
            (a, b) = (started[0], started[1]);
            output.WriteLine($"{watch.Elapsed.TotalSeconds:F1}s: both nodes started together on the empty database {database}");

            await using (var db = await OpenAsync(connectionString))
            {
                Assert.Equal(1L, await ScalarAsync(db, """SELECT COUNT(*) FROM "Tenants" """));
                Assert.Equal(1L, await ScalarAsync(db, """SELECT COUNT(*) FROM "AspNetUsers" """));
                Assert.Equal(1L, await ScalarAsync(db, """SELECT COUNT(*) FROM "AppSecrets" WHERE "Name" = 'jwt-signing-key'"""));
            }

            using var httpA = await SignedInAsync(a.BaseUrl);
            using var httpB = new HttpClient { BaseAddress = new Uri(b.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
            httpB.DefaultRequestHeaders.Authorization = httpA.DefaultRequestHeaders.Authorization;

            // A token from A works on B, and a secret A protected reads back on B: the keys are shared.
            const string appKey = "app-key-saved-on-node-a-7f3e";
            var put = await httpA.PutAsJsonAsync("/admin/providers/sms/fallback",
                new { kind = "submail", app_id = "10001", app_key = appKey, sign_type = "md5", signature = "【Nodes】" });
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            var list = await httpB.GetAsync("/admin/providers");
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            Assert.Contains("••••" + appKey[^4..], await list.Content.ReadAsStringAsync());

            var allIds = new List<long>();
            for (var r = 0; r < Requests; r++)
            {
                var phones = Enumerable.Range(r * PerRequest, PerRequest).Select(i => $"137{i:D8}").ToArray();
                var bulk = await httpA.PostAsJsonAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "two nodes", recipients = phones });
                var text = await bulk.Content.ReadAsStringAsync();
                Assert.True(bulk.StatusCode == HttpStatusCode.OK, $"bulk answered {(int)bulk.StatusCode}: {text[..Math.Min(500, text.Length)]}");
                Assert.Equal(PerRequest, JsonDocument.Parse(text).RootElement.GetProperty("total").GetInt32());
            }
            await using (var db = await OpenAsync(connectionString))
            {
                allIds.AddRange(await IdsAsync(db, """SELECT "Id" FROM "Messages" """));
            }
            Assert.Equal(Total, allIds.Count);
            output.WriteLine($"{watch.Elapsed.TotalSeconds:F1}s: {Total} messages accepted by node A");

            // Kill B right after a chunk of its own is recorded by its provider and written as sent.
            var killedAfter = await WaitForCommittedChunkOfBAsync(connectionString, recordB, minimumChunks: 5, TimeSpan.FromSeconds(90));
            // B has claimed its next chunk within milliseconds of that commit, and waits a second on the provider.
            await Task.Delay(300);
            b.Kill();
            output.WriteLine($"{watch.Elapsed.TotalSeconds:F1}s: node B killed after it had sent {killedAfter} messages");

            // A's own chunks in flight finish within about a second; what is still leased three seconds on is B's claim.
            Dictionary<long, string> sendingAtKill;
            await using (var db = await OpenAsync(connectionString)) sendingAtKill = await LeasesAsync(db);
            await Task.Delay(TimeSpan.FromSeconds(3));
            Dictionary<long, string> orphaned;
            await using (var db = await OpenAsync(connectionString))
            {
                var still = await LeasesAsync(db);
                orphaned = still.Where(kv => sendingAtKill.TryGetValue(kv.Key, out var lease) && lease == kv.Value).ToDictionary();
            }
            output.WriteLine($"{watch.Elapsed.TotalSeconds:F1}s: {orphaned.Count} messages left claimed by the killed node B");
            Assert.InRange(orphaned.Count, 1, ChunkSize);

            var until = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (true)
            {
                await using var db = await OpenAsync(connectionString);
                var open = await ScalarAsync(db, """SELECT COUNT(*) FROM "Messages" WHERE "Status" IN (0, 1)""");
                if (open == 0) break;
                Assert.True(DateTime.UtcNow < until, $"{open} messages still pending or sending after 3 minutes");
                await Task.Delay(500);
            }
            output.WriteLine($"{watch.Elapsed.TotalSeconds:F1}s: every message settled");
            a.Kill();

            var sentByA = Record(recordA);
            var sentByB = Record(recordB);
            var logA = Dispatched(a.LogPath, "node-a");
            var logB = Dispatched(b.LogPath, "node-b");
            output.WriteLine($"node A sent {sentByA.Count} (its log: {logA}), node B sent {sentByB.Count} (its log: {logB}); " +
                             $"A's log reclaimed: {string.Join(", ", ReclaimedLines(a.LogPath))}");

            // Both did a share, and the logs say the same as the provider's records.
            Assert.True(sentByB.Count >= 2 * ChunkSize, $"node B sent only {sentByB.Count}");
            Assert.True(sentByA.Count >= 2 * ChunkSize, $"node A sent only {sentByA.Count}");
            Assert.Equal(sentByA.Count, logA);
            Assert.Equal(sentByB.Count, logB);

            // Exactly once: every message reached the provider once, through one node.
            var all = sentByA.Concat(sentByB).ToList();
            Assert.Equal(Total, all.Count);
            Assert.Equal(allIds.Order(), all.Order());

            // B's claimed chunk went back to pending when its lease ran out, and A sent it.
            Assert.All(orphaned.Keys, id => Assert.Contains(id, sentByA));
            Assert.NotEmpty(ReclaimedLines(a.LogPath));

            await using (var db = await OpenAsync(connectionString))
            {
                Assert.Equal((long)Total, await ScalarAsync(db, """SELECT COUNT(*) FROM "Messages" WHERE "Status" = 2"""));
                // The batches' counts stayed in step with the rows through both nodes' claims, completions and the reclaim.
                Assert.Equal((long)Total, await ScalarAsync(db, """SELECT SUM("Sent") FROM "Batches" """));
                Assert.Equal(0L, await ScalarAsync(db, """SELECT SUM("Pending" + "Sending" + "Failed") FROM "Batches" """));
            }
        }
        finally
        {
            foreach (var s in starting)
            {
                try { (await s).Kill(); } catch (Exception ex) when (ex is InvalidOperationException or TimeoutException) { /* never started */ }
            }
            await DropAsync(server, database);
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    private async Task<int> WaitForCommittedChunkOfBAsync(string connectionString, string recordB, int minimumChunks, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        var seen = 0;
        while (DateTime.UtcNow < until)
        {
            var sent = Record(recordB);
            if (sent.Count > seen && sent.Count % ChunkSize == 0)
            {
                seen = sent.Count;
                if (seen < minimumChunks * ChunkSize) continue;
                // The record is flushed before the outcomes are written: wait for B's commit, then B is on its next chunk.
                await using var db = await OpenAsync(connectionString);
                while (DateTime.UtcNow < until)
                {
                    var written = await ScalarAsync(db, $"""SELECT COUNT(*) FROM "Messages" WHERE "Status" = 2 AND "Id" IN ({string.Join(",", sent)})""");
                    if (written == sent.Count) return seen;
                    await Task.Delay(10);
                }
            }
            await Task.Delay(10);
        }
        throw new TimeoutException($"node B did not send {minimumChunks} chunks in time");
    }

    private static async Task<HttpClient> SignedInAsync(string baseUrl)
    {
        var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(120) };
        var token = await http.PostAsJsonAsync("/auth/token", new { email = AdminEmail, password = AdminPassword });
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        var accessToken = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return http;
    }

    private static List<long> Record(string path)
    {
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var ids = new List<long>();
        while (reader.ReadLine() is { } line)
        {
            if (long.TryParse(line, out var id)) ids.Add(id);
        }
        return ids;
    }

    /// <summary>The messages a node says it dispatched, summed from its log.</summary>
    private static int Dispatched(string logPath, string node) =>
        ReadShared(logPath).Select(l => DispatchedLine().Match(l)).Where(m => m.Success && m.Groups[1].Value == node)
            .Sum(m => int.Parse(m.Groups[2].Value));

    private static List<string> ReclaimedLines(string logPath) => ReadShared(logPath).Where(l => l.Contains("Reclaimed ")).Select(l => l.Trim()).ToList();

    private static List<string> ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }

    [GeneratedRegex(@"Node (\S+) dispatched (\d+) messages")]
    private static partial Regex DispatchedLine();

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L);
    }

    private static async Task<List<long>> IdsAsync(NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<long>();
        while (await reader.ReadAsync()) ids.Add(reader.GetInt64(0));
        return ids;
    }

    private static async Task<Dictionary<long, string>> LeasesAsync(NpgsqlConnection db)
    {
        await using var command = new NpgsqlCommand("""SELECT "Id", "LeaseId" FROM "Messages" WHERE "Status" = 1""", db);
        await using var reader = await command.ExecuteReaderAsync();
        var leases = new Dictionary<long, string>();
        while (await reader.ReadAsync()) leases[reader.GetInt64(0)] = reader.GetString(1);
        return leases;
    }

    private static async Task DropAsync(string server, string database)
    {
        await using var admin = new NpgsqlConnection(server);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
