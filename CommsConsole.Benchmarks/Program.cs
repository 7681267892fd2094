using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using CommsConsole.Benchmarks;
using CommsConsole.Features.Templates;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var settings = Settings.Parse(args);
if (settings is null)
{
    Console.Error.WriteLine(Settings.Usage);
    return 2;
}
var bench = new Bench(settings);
return await bench.RunAsync();

/// <summary>Sizes of one run: the full suite, or --quick (small enough for CI, every path exercised once); --only picks figure groups.</summary>
public sealed record Settings(bool Quick, int BulkSize, int BulkReps, int BusyReps, int DispatchRequests, int DispatchRequestSize, int DispatchReps,
    int LogRows, int LogRequests, int DeepPage, double RenderSeconds, int RenderRuns, int LoadClients, int LoadSeconds,
    int HistoryRows, int Readers, int ReadSeconds, int ImportRows, string? Out, IReadOnlySet<string>? Only)
{
    /// <summary>The figure groups --only accepts; 5 is measured with 2 (and 2p, 2q, 2b), 1d with 1a–1c.</summary>
    public static readonly IReadOnlySet<string> Groups = new SortedSet<string>(StringComparer.Ordinal) { "1", "2", "2w", "3", "4", "5", "6", "7", "8", "9" };

    public const string Usage = """
        usage: CommsConsole.Benchmarks [--quick] [--only <groups>] [--out <file>]
          --quick          the CI-sized run: small sizes, one repetition
          --only 1,2,7     measure only these figure groups (1–9; 5 comes with 2; 2w is figure 2 with one webhook endpoint
                           registered to a local receiver); the report holds only their figures
          --out <file>     where the report goes (default: BENCHMARKS.md of the repository for a full run of every group,
                           otherwise BENCHMARKS.quick.md or BENCHMARKS.partial.md next to this program)
        """;

    public static Settings? Parse(string[] args)
    {
        var quick = false;
        string? output = null;
        SortedSet<string>? only = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--out" when i + 1 < args.Length: output = args[++i]; break;
                case "--only" when i + 1 < args.Length:
                    only = new SortedSet<string>(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
                    if (only.Count == 0 || !only.IsSubsetOf(Groups)) return null;
                    break;
                default: return null;
            }
        }
        return quick
            ? new Settings(true, BulkSize: 1_000, BulkReps: 1, BusyReps: 2, DispatchRequests: 5, DispatchRequestSize: 1_000, DispatchReps: 1,
                LogRows: 20_000, LogRequests: 5, DeepPage: 250, RenderSeconds: 0.2, RenderRuns: 1, LoadClients: 10, LoadSeconds: 5,
                HistoryRows: 20_000, Readers: 40, ReadSeconds: 5, ImportRows: 20_000, output, only)
            : new Settings(false, BulkSize: 10_000, BulkReps: 5, BusyReps: 5, DispatchRequests: 10, DispatchRequestSize: 10_000, DispatchReps: 3,
                LogRows: 1_000_000, LogRequests: 30, DeepPage: 5_000, RenderSeconds: 2.0, RenderRuns: 3, LoadClients: 50, LoadSeconds: 60,
                HistoryRows: 200_000, Readers: 40, ReadSeconds: 20, ImportRows: 1_000_000, output, only);
    }

    public int DispatchTotal => DispatchRequests * DispatchRequestSize;

    /// <summary>Figure 9's list: the contacts a send to an audience goes to.</summary>
    public int AudienceContacts => Quick ? 20_000 : 1_000_000;

    /// <summary>Whether a step measuring any of these figure groups is part of this run.</summary>
    public bool Runs(params string[] groups) => Only is null || groups.Any(Only.Contains);
}

public sealed partial class Bench(Settings s)
{
    private const string SmsTemplate = "您的验证码是{{code}}，{{minutes}}分钟内有效。";
    private readonly List<Figure> _figures = [];
    private readonly List<string> _errors = [];
    private readonly string _tmp = Path.Combine(Path.GetTempPath(), "commsconsole-bench-" + Guid.NewGuid().ToString("N")[..8]);
    private long _nextPhone;

    public async Task<int> RunAsync()
    {
        Directory.CreateDirectory(_tmp);
        var started = Stopwatch.StartNew();
        Log($"CommsConsole benchmarks ({(s.Quick ? "quick" : "full")}), app from CommsConsole/bin/{Paths.Configuration}, scratch files in {_tmp}");
        try
        {
            await Step(["4"], "4 template renders", TemplateRenders);
            await Step(["1"], "1 bulk accept", BulkAcceptAsync);
            await Step(["1"], "1d accept while dispatching", AcceptWhileDispatchingAsync);
            await Step(DispatchGroups, "2+5 dispatch throughput and memory", DispatchAsync);
            await Step(["2w"], "2w dispatch with one webhook endpoint", DispatchWithWebhookAsync);
            await Step(["3"], "3 log queries", LogQueriesAsync);
            await Step(["6"], "6 mixed load", LoadAsync);
            await Step(["7"], "7 readers while big sends arrive", ReadersWhileSendingAsync);
            await Step(["8"], "8 contact import from CSV", ContactImportAsync);
            await Step(["9"], "9 send to a list", AudienceSendAsync);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(_tmp, recursive: true); } catch (IOException) { }
        }
        Log($"finished in {started.Elapsed.TotalSeconds:F0} s");

        var report = Report(started.Elapsed);
        Console.WriteLine();
        Console.WriteLine(report);
        // A run of some groups never replaces the repository's full report unless --out says so.
        var output = s.Out ?? (s.Quick ? Path.Combine(AppContext.BaseDirectory, "BENCHMARKS.quick.md")
            : s.Only is not null ? Path.Combine(AppContext.BaseDirectory, "BENCHMARKS.partial.md")
            : Path.Combine(Paths.Root, "BENCHMARKS.md"));
        await File.WriteAllTextAsync(output, report);
        Log($"report written to {output}");
        if (_errors.Count == 0) return 0;
        Console.Error.WriteLine($"{_errors.Count} step(s) failed:");
        foreach (var e in _errors) Console.Error.WriteLine("  " + e);
        return 1;
    }

    private async Task Step(string[] groups, string name, Func<Task> step)
    {
        if (!s.Runs(groups)) return;
        Log($"-- {name}");
        try
        {
            await step();
        }
        catch (Exception ex)
        {
            _errors.Add($"{name}: {ex.GetType().Name}: {ex.Message}");
            Console.Error.WriteLine($"ERROR in {name}: {ex}");
        }
    }

    private Task Step(string[] groups, string name, Action step) => Step(groups, name, () => { step(); return Task.CompletedTask; });

    /// <summary>Figure 5 is measured in figure 2's runs, so either group selects that step.</summary>
    private static readonly string[] DispatchGroups = ["2", "5"];

    private static void Log(string line) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

    // ---------------------------------------------------------------- 4. template renders

    private const string TaggedTemplate = "{% if minutes == '1' %}【CommsConsole】{% endif %}您的验证码是{{ code | upcase }}，{{ minutes }}分钟内有效。";

    /// <summary>Figure 4 for a text-and-variables template (the common SMS shape) and 4b for one with a tag and a filter; both rendered by Scriban (Liquid mode).</summary>
    private void TemplateRenders()
    {
        RenderFigure("4", "template renders/s (text and variables: one compiled template, 4,096 variable sets, 1 thread, in-process)",
            SmsTemplate, "您的验证码是007919，2分钟内有效。");
        RenderFigure("4b", "template renders/s (with an `if` tag and a filter; otherwise as 4)",
            TaggedTemplate, "您的验证码是007919，2分钟内有效。");
    }

    private void RenderFigure(string id, string title, string source, string expectedSecond)
    {
        var engine = new LiquidTemplateEngine(Options.Create(new TemplateLimits()));
        if (!engine.TryCompile(source, out var template, out var syntax)) throw new InvalidOperationException("template does not compile: " + syntax);
        var variables = Enumerable.Range(0, 4096)
            .Select(i => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["code"] = (i * 7919 % 1_000_000).ToString("D6"), ["minutes"] = (i % 10 + 1).ToString() })
            .ToArray();
        if (!engine.TryRender(template, variables[1], false, out var sample, out var error) || sample != expectedSecond)
            throw new InvalidOperationException($"unexpected render: {sample ?? error}");

        double Run(double seconds)
        {
            var sw = Stopwatch.StartNew();
            var limit = TimeSpan.FromSeconds(seconds);
            long n = 0;
            while (true)
            {
                for (var i = 0; i < 256; i++, n++)
                {
                    if (!engine.TryRender(template, variables[n & 4095], false, out _, out var e)) throw new InvalidOperationException("render failed: " + e);
                }
                if (sw.Elapsed >= limit) return n / sw.Elapsed.TotalSeconds;
            }
        }

        Run(Math.Min(0.5, s.RenderSeconds)); // warm-up, not counted
        var rates = new List<double>();
        for (var r = 0; r < s.RenderRuns; r++)
        {
            rates.Add(Run(s.RenderSeconds));
            Log($"   {id} run {r + 1}: {rates[^1]:N0} renders/s");
        }
        var median = Stats.Median(rates);
        _figures.Add(new Figure(id, title,
            $"{median:N0}/s", Stats.Spread(rates, "N0"), $"{rates.Count} × {s.RenderSeconds:0.#} s", "≥ 200,000/s",
            median >= 200_000 ? "met" : $"**MISSED**: {median:N0}/s is {median / 200_000:P0} of the target", ""));
    }

    // ---------------------------------------------------------------- 1. bulk accept vs raw insert

    private async Task BulkAcceptAsync()
    {
        await using var app = await AppServer.StartAsync("bulk", Path.Combine(_tmp, "bulk.db"));
        var (tenant, user) = AdminIds(app.DbPath);
        var schema = Db.MessagesSchema(app.DbPath);
        var baselinePath = Path.Combine(_tmp, "baseline.db");
        Db.CreateBaseline(baselinePath, schema);
        using var baseline = Db.OpenReadWrite(baselinePath);
        using var ro = Db.OpenReadOnly(app.DbPath);

        // Warm-up (JIT, connection pools), not counted: a smaller request and the same rows raw.
        var warm = Phones(Math.Min(1_000, s.BulkSize));
        var w = await AcceptAsync(app, warm);
        await DrainAsync(ro, TimeSpan.FromMinutes(5));
        Db.RawInsert(baseline, tenant, user, 0, warm, w.Content, w.Segments);

        var appMs = new List<double>();
        var headerMs = new List<double>();
        var rawMs = new List<double>();
        var ratios = new List<double>();
        var beforeInsertMs = new List<double>();
        long responseBytes = 0, requestBytes = 0;
        for (var rep = 0; rep < s.BulkReps; rep++)
        {
            var recipients = Phones(s.BulkSize);
            var result = await AcceptAsync(app, recipients);
            requestBytes = result.RequestBytes;
            // The app stamps the batch with its clock after parsing, validating and rendering, just before its insert:
            // the same machine's clock splits the request into "before the insert" and "insert, commit and answer".
            var stamped = new DateTimeOffset(Db.Scalar(ro, """SELECT "CreatedAt" FROM "Batches" WHERE "Id"=@b""", ("@b", result.BatchId)), TimeSpan.Zero);
            beforeInsertMs.Add((stamped - result.SentAt).TotalMilliseconds);
            await DrainAsync(ro, TimeSpan.FromMinutes(5)); // the app's dispatcher sends them; the raw insert runs on an idle machine like the request did

            var raw = Db.RawInsert(baseline, tenant, user, result.BatchId, recipients, result.Content, result.Segments).TotalMilliseconds;
            appMs.Add(result.Elapsed.TotalMilliseconds);
            headerMs.Add(result.Headers.TotalMilliseconds);
            rawMs.Add(raw);
            ratios.Add(result.Elapsed.TotalMilliseconds / raw);
            responseBytes = result.ResponseBytes;
            Log($"   run {rep + 1}: app {appMs[^1]:F0} ms (insert began after {beforeInsertMs[^1]:F0} ms, headers after {headerMs[^1]:F0} ms, {responseBytes / 1e6:F1} MB body), raw insert {raw:F0} ms, ratio {ratios[^1]:F2}");
        }

        var p50 = Stats.Median(appMs);
        var ratio = p50 / Stats.Median(rawMs);
        var n = $"{s.BulkReps} (+1 warm-up)";
        _figures.Add(new Figure("1a", $"`POST /communication/bulk`, {s.BulkSize:N0} sms recipients, send → full response read (rows durable)",
            $"{p50:F0} ms", Stats.Spread(appMs, "F0") + " ms", n, "p50 < 500 ms",
            p50 < 500 ? "met" : $"**MISSED**: p50 {p50:F0} ms",
            $"medians: the app stamped the batch (parse, validate, render done; insert begins) {Stats.Median(beforeInsertMs):F0} ms after sending, " +
            $"response headers after {Stats.Median(headerMs):F0} ms; request {requestBytes / 1e6:F2} MB, response {responseBytes / 1e6:F1} MB ({s.BulkSize:N0} log items echoed back)"));
        _figures.Add(new Figure("1b", $"raw batched insert of the same {s.BulkSize:N0} rows (Microsoft.Data.Sqlite, one transaction, one prepared INSERT, identical table and indexes)",
            $"{Stats.Median(rawMs):F0} ms", Stats.Spread(rawMs, "F0") + " ms", n, "baseline", "–", ""));
        _figures.Add(new Figure("1c", "ratio app ÷ raw (median ÷ median; spread of per-run ratios)",
            $"{ratio:F2}×", Stats.Spread(ratios, "F2") + "×", n, "≤ 2×",
            ratio <= 2 ? "met" : $"**MISSED**: {ratio:F1}×", ""));
    }

    // ---------------------------------------------------------------- 1d. bulk accept while a dispatch runs

    /// <summary>
    /// Figure 1d: figure 1a's request on one fresh app, first on an idle server, then while figure 2's load is being
    /// dispatched. A busy request counts only when rows of other batches are still pending or sending once its answer is
    /// read (they only decrease meanwhile, so they were there throughout); otherwise another load is sent and it is repeated.
    /// </summary>
    private async Task AcceptWhileDispatchingAsync()
    {
        await using var app = await AppServer.StartAsync("busy", Path.Combine(_tmp, "busy.db"));
        using var ro = Db.OpenReadOnly(app.DbPath);
        long rows = 0;

        var warm = Phones(Math.Min(1_000, s.BulkSize));
        await AcceptAsync(app, warm); // warm-up, not counted
        rows += warm.Count;
        await DrainAsync(ro, TimeSpan.FromMinutes(5));

        var idle = new List<double>();
        for (var rep = 0; rep < s.BulkReps; rep++)
        {
            var r = await AcceptAsync(app, Phones(s.BulkSize));
            rows += s.BulkSize;
            idle.Add(r.Elapsed.TotalMilliseconds);
            Log($"   idle run {rep + 1}: {idle[^1]:F0} ms");
            await DrainAsync(ro, TimeSpan.FromMinutes(5));
        }

        var busy = new List<double>();
        var backlogs = new List<double>();
        var loads = 0;
        var drainedDuring = 0;
        while (busy.Count < s.BusyReps)
        {
            if (Backlog(ro) == 0)
            {
                if (loads > s.BusyReps) throw new InvalidOperationException($"the dispatch drained during the timed requests {drainedDuring} times; {busy.Count} measured while busy");
                await SendLoadAsync(app, LoadPayloads());
                rows += s.DispatchTotal;
                loads++;
            }
            var before = Backlog(ro);
            var r = await AcceptAsync(app, Phones(s.BulkSize));
            rows += s.BulkSize;
            var after = Backlog(ro, exceptBatch: r.BatchId);
            if (after == 0)
            {
                drainedDuring++;
                Log($"   busy request of {r.Elapsed.TotalMilliseconds:F0} ms not counted: the dispatch drained during it ({before:N0} rows waiting before); sending another load");
                continue;
            }
            busy.Add(r.Elapsed.TotalMilliseconds);
            backlogs.Add(before);
            Log($"   busy run {busy.Count}: {busy[^1]:F0} ms ({before:N0} rows pending or sending before it, {after:N0} of other batches after it)");
        }
        await DrainAsync(ro, TimeSpan.FromMinutes(10), poll: 50);
        var unsent = Unsent(ro, rows);

        var idleP50 = Stats.Median(idle);
        var busyP50 = Stats.Median(busy);
        var ratio = busyP50 / idleP50;
        var what = $"`POST /communication/bulk`, {s.BulkSize:N0} sms recipients as 1a, while figure 2's load ({s.DispatchRequests} × {s.DispatchRequestSize:N0}) is dispatched";
        _figures.Add(new Figure("1d", what + " (rows durable)",
            $"{busyP50:F0} ms", Stats.Spread(busy, "F0") + " ms", $"{busy.Count} (after {loads} load{(loads == 1 ? "" : "s")})", "p50 < 500 ms",
            unsent is not null ? $"**MISSED**: {unsent}" : busyP50 < 500 ? "met" : $"**MISSED**: p50 {busyP50:F0} ms",
            $"{Stats.Spread(backlogs, "N0")} rows pending or sending at the start of the timed requests, some of other batches still at their end" +
            (drainedDuring > 0 ? $"; {drainedDuring} request(s) not counted because the dispatch drained during them" : "") +
            $"; afterwards all {rows:N0} rows drained to {(unsent is null ? "sent" : "sent but " + unsent)}"));
        _figures.Add(new Figure("1d idle", "the same request on the same app, idle (every request waits for the dispatch of the one before)",
            $"{idleP50:F0} ms", Stats.Spread(idle, "F0") + " ms", $"{idle.Count} (+1 warm-up)", "baseline", "–", ""));
        _figures.Add(new Figure("1d ratio", "ratio busy ÷ idle (median ÷ median)",
            $"{ratio:F2}×", "–", $"{busy.Count} ÷ {idle.Count}", "≤ 2×", ratio <= 2 ? "met" : $"**MISSED**: {ratio:F1}×", ""));
    }

    // ---------------------------------------------------------------- 6. mixed load from concurrent clients

    /// <summary>
    /// Clients in this process (a separate process from the server) each loop for a fixed time: nine log queries
    /// (random page and status) for every bulk send of 100 recipients. Every answer must be a 2xx.
    /// </summary>
    private async Task LoadAsync()
    {
        await using var app = await AppServer.StartAsync("load", Path.Combine(_tmp, "load.db"));
        var logs = new ConcurrentBag<double>();
        var bulks = new ConcurrentBag<double>();
        var failures = new Failures();
        var (serverCpu, clientsCpu, machine) = (CpuSeconds(app.Pid), CpuSeconds(Environment.ProcessId), MachineCpu());
        var until = DateTime.UtcNow.AddSeconds(s.LoadSeconds);
        var clients = Enumerable.Range(0, s.LoadClients).Select(async c =>
        {
            var random = new Random(c);
            var n = 0;
            while (DateTime.UtcNow < until)
            {
                var sw = Stopwatch.StartNew();
                try
                {
                    if (n++ % 10 == 9)
                    {
                        var r = await SendBulkAsync(app, BulkPayload(Phones(100)));
                        if (r.Total != 100) failures.Add($"bulk answered total {r.Total} for 100 recipients");
                        bulks.Add(sw.Elapsed.TotalMilliseconds);
                    }
                    else
                    {
                        // The file starts empty, so early pages may be short.
                        await GetLogsAsync(app, RandomLogsUrl(random), fullPage: false);
                        logs.Add(sw.Elapsed.TotalMilliseconds);
                    }
                }
                catch (Exception ex) when (Failures.IsRequestFailure(ex))
                {
                    failures.Add(ex);
                }
            }
        }).ToList();
        await Task.WhenAll(clients);
        // Where the machine's time went, and whether dispatch kept up with the sends: what the closed loop was bounded by.
        serverCpu = CpuSeconds(app.Pid) - serverCpu;
        clientsCpu = CpuSeconds(Environment.ProcessId) - clientsCpu;
        var busy = MachineCpu().Busy(machine);
        long backlog, accepted;
        using (var ro = Db.OpenReadOnly(app.DbPath))
        {
            backlog = Backlog(ro);
            accepted = Db.Scalar(ro, """SELECT COUNT(*) FROM "Messages" """);
        }
        var total = logs.Count + bulks.Count;
        Log($"   {s.LoadClients} clients for {s.LoadSeconds} s: {total:N0} requests ({logs.Count:N0} log queries, {bulks.Count:N0} bulk sends), {failures.Count} errors; " +
            $"logs p50 {Stats.Percentile(logs.ToList(), 50):F1} ms p99 {Stats.Percentile(logs.ToList(), 99):F1} ms; bulk p50 {Stats.Percentile(bulks.ToList(), 50):F1} ms p99 {Stats.Percentile(bulks.ToList(), 99):F1} ms");
        foreach (var sample in failures.Samples) Log($"   error: {sample}");
        if (failures.Count > 0) _errors.Add($"mixed load: {failures.Count} failed requests, e.g. {failures.Samples.FirstOrDefault()}");
        var rate = total / (double)s.LoadSeconds;
        var missed = new List<string>();
        if (!(rate >= 1_000)) missed.Add($"{rate:N0} requests/s");
        if (!(Stats.Percentile(logs.ToList(), 99) < 100)) missed.Add($"logs p99 {Stats.Percentile(logs.ToList(), 99):F0} ms");
        if (!(Stats.Percentile(bulks.ToList(), 99) < 300)) missed.Add($"bulk p99 {Stats.Percentile(bulks.ToList(), 99):F0} ms");
        if (failures.Count > 0) missed.Add($"{failures.Count} errors");
        _figures.Add(new Figure("6", $"{s.LoadClients} concurrent clients for {s.LoadSeconds} s, 9 log queries per bulk send of 100 (one app, dispatching meanwhile)",
            $"logs p50 {Stats.Percentile(logs.ToList(), 50):F1} ms, p99 {Stats.Percentile(logs.ToList(), 99):F1} ms; bulk p50 {Stats.Percentile(bulks.ToList(), 50):F1} ms, p99 {Stats.Percentile(bulks.ToList(), 99):F1} ms",
            "–", $"{total:N0} requests", "≥ 1,000 requests/s, logs p99 < 100 ms, bulk p99 < 300 ms, no error",
            missed.Count == 0 ? "met" : "**MISSED**: " + string.Join(", ", missed),
            $"{rate:N0} requests/s; the server used {serverCpu / s.LoadSeconds:F2} cores, these clients {clientsCpu / s.LoadSeconds:F2}, " +
            $"the machine was {busy * 100:F0}% busy ({Environment.ProcessorCount} cores); {accepted:N0} rows accepted, {backlog:N0} still pending or sending at the end"));
    }

    // ---------------------------------------------------------------- 7. log readers while big sends arrive

    private const int BigSendEverySeconds = 2;

    /// <summary>
    /// Figure 7: on an app with history, readers page the logs without pause while one client starts a bulk send of
    /// figure 1's size every 2 s, on schedule even when the one before has not been answered yet (overlaps are counted).
    /// </summary>
    private async Task ReadersWhileSendingAsync()
    {
        await using var app = await StartWithHistoryAsync("readers", s.HistoryRows);
        using var ro = Db.OpenReadOnly(app.DbPath);
        var historyTop = Db.Scalar(ro, """SELECT COALESCE(MAX("Id"), 0) FROM "Messages" """);
        for (var i = 0; i < 2; i++) await GetLogsAsync(app, "/communication/logs?page=1&page_size=20"); // warm-up

        var logs = new ConcurrentBag<double>();
        var sends = new ConcurrentBag<double>();
        var failures = new Failures();
        int inFlight = 0, mostAtOnce = 0, overlapping = 0;
        var window = TimeSpan.FromSeconds(s.ReadSeconds);
        var clock = Stopwatch.StartNew();

        var readers = Enumerable.Range(0, s.Readers).Select(async c =>
        {
            var random = new Random(c);
            while (clock.Elapsed < window)
            {
                var sw = Stopwatch.StartNew();
                try
                {
                    await GetLogsAsync(app, RandomLogsUrl(random));
                    logs.Add(sw.Elapsed.TotalMilliseconds);
                }
                catch (Exception ex) when (Failures.IsRequestFailure(ex))
                {
                    failures.Add(ex);
                }
            }
        }).ToList();

        async Task SendAsync()
        {
            var now = Interlocked.Increment(ref inFlight);
            if (now > 1) Interlocked.Increment(ref overlapping);
            for (var most = mostAtOnce; now > most; most = mostAtOnce)
                if (Interlocked.CompareExchange(ref mostAtOnce, now, most) == most) break;
            try
            {
                var r = await AcceptAsync(app, Phones(s.BulkSize));
                sends.Add(r.Elapsed.TotalMilliseconds);
            }
            catch (Exception ex) when (Failures.IsRequestFailure(ex))
            {
                failures.Add("bulk: " + ex.Message);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }

        var senders = new List<Task>();
        for (var due = TimeSpan.Zero; due < window; due += TimeSpan.FromSeconds(BigSendEverySeconds))
        {
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            senders.Add(SendAsync());
        }
        await Task.WhenAll(readers);
        var readSeconds = clock.Elapsed.TotalSeconds;
        await Task.WhenAll(senders);
        await DrainAsync(ro, TimeSpan.FromMinutes(10), poll: 50);
        var unsent = Unsent(ro, (long)sends.Count * s.BulkSize, historyTop);

        var logsP50 = Stats.Percentile(logs.ToList(), 50);
        var logsP99 = Stats.Percentile(logs.ToList(), 99);
        var sendP50 = Stats.Median(sends.ToList());
        var sendMax = sends.IsEmpty ? double.NaN : sends.Max();
        var readRate = logs.Count / readSeconds;
        Log($"   {s.Readers} readers for {s.ReadSeconds} s: {logs.Count:N0} log queries ({readRate:N0}/s), p50 {logsP50:F1} ms, p99 {logsP99:F1} ms; " +
            $"{sends.Count} of {senders.Count} bulk sends answered, p50 {sendP50:F0} ms, max {sendMax:F0} ms, {overlapping} started while another ran (at most {mostAtOnce} at once); {failures.Count} errors");
        foreach (var sample in failures.Samples) Log($"   error: {sample}");
        if (failures.Count > 0) _errors.Add($"readers while sending: {failures.Count} failed requests, e.g. {failures.Samples.FirstOrDefault()}");

        var missed = new List<string>();
        if (!(logsP99 < 100)) missed.Add($"logs p99 {logsP99:F0} ms");
        if (!(sendP50 < 500)) missed.Add($"bulk p50 {sendP50:F0} ms");
        if (failures.Count > 0) missed.Add($"{failures.Count} errors");
        if (unsent is not null) missed.Add(unsent);
        _figures.Add(new Figure("7", $"{s.Readers} clients reading `GET /communication/logs` for {s.ReadSeconds} s over {s.HistoryRows:N0} finished messages " +
                $"while a `POST /communication/bulk` of {s.BulkSize:N0} sms recipients starts every {BigSendEverySeconds} s (one app, dispatching meanwhile)",
            $"logs p50 {logsP50:F1} ms, p99 {logsP99:F1} ms; bulk p50 {sendP50:F0} ms, max {sendMax:F0} ms",
            "–", $"{logs.Count:N0} log queries, {senders.Count} bulk sends", "logs p99 < 100 ms, bulk p50 < 500 ms, no error",
            missed.Count == 0 ? "met" : "**MISSED**: " + string.Join(", ", missed),
            $"readers {readRate:N0} requests/s; {overlapping} of {senders.Count} sends started while an earlier one was unanswered (at most {mostAtOnce} at once); " +
            $"all {(long)sends.Count * s.BulkSize:N0} sent rows durable on answer and drained to {(unsent is null ? "sent" : "sent but " + unsent)}"));
    }

    // ---------------------------------------------------------------- 2 + 5. dispatch throughput, peak memory

    private async Task DispatchAsync()
    {
        await DispatchSimulatedAsync();
        await DispatchPostgresAsync(nodes: 1);
        await DispatchPostgresAsync(nodes: 2);
        await DispatchSubmailAsync();
    }

    /// <summary>Figure 2b: the same load through the SUBMAIL adapter to the fake SUBMAIL server answering after 50 ms.</summary>
    private async Task DispatchSubmailAsync()
    {
        var rates = new List<double>();
        var requests = new List<double>();
        for (var rep = 0; rep < s.DispatchReps; rep++)
        {
            await using var submail = await CommsConsole.Testing.FakeSubmailServer.StartAsync();
            submail.Delay = TimeSpan.FromMilliseconds(50);
            await using var app = await AppServer.StartAsync($"dispatch-submail-{rep + 1}", Path.Combine(_tmp, $"dispatch-submail-{rep + 1}.db"));
            // The tenant's own SUBMAIL account, as an Admin sets it up: the per-tenant resolution is part of the measure.
            await AppServer.EnsureOkAsync(await app.Http.PutAsJsonAsync("/admin/providers/sms/primary", new
            {
                kind = "submail",
                base_url = submail.BaseUrl.ToString().TrimEnd('/'),
                app_id = CommsConsole.Testing.FakeSubmailServer.AppId,
                app_key = CommsConsole.Testing.FakeSubmailServer.AppKey,
                signature = "【CommsConsole】",
            }), "PUT /admin/providers/sms/primary");
            var payloads = LoadPayloads();
            using var ro = Db.OpenReadOnly(app.DbPath);
            var sw = Stopwatch.StartNew();
            await SendLoadAsync(app, payloads);
            await DrainAsync(ro, TimeSpan.FromMinutes(10), poll: 50);
            var elapsed = sw.Elapsed;
            var sent = Db.Scalar(ro, """SELECT COUNT(*) FROM "Messages" WHERE "Status" IN (2,3) AND "Provider" = 'submail'""");
            if (sent != s.DispatchTotal) throw new InvalidOperationException($"{sent} of {s.DispatchTotal} sent through SUBMAIL");
            var rate = s.DispatchTotal / elapsed.TotalSeconds;
            rates.Add(rate);
            requests.Add(submail.Requests.Count);
            Log($"   SUBMAIL run {rep + 1}: {s.DispatchTotal:N0} in {elapsed.TotalSeconds:F1} s = {rate:N0}/s over {submail.Requests.Count:N0} batchsend requests");
        }
        _figures.Add(new Figure("2b", $"dispatch {s.DispatchTotal:N0} messages through the SUBMAIL adapter to a fake SUBMAIL server answering after 50 ms (signature checked)",
            $"{Stats.Median(rates):N0} msg/s", Stats.Spread(rates, "N0") + " msg/s", $"{s.DispatchReps} (fresh app each)", "–", "–",
            $"{Stats.Median(requests):N0} batchsend requests per run (one per dispatch chunk of one text)"));
    }

    private async Task DispatchSimulatedAsync()
    {
        var rates = new List<double>();
        var peaks = new List<double>();
        var acceptSeconds = new List<double>();
        var totalSeconds = new List<double>();
        var notes = new List<string>();
        for (var rep = 0; rep < s.DispatchReps; rep++)
        {
            await using var app = await AppServer.StartAsync($"dispatch-{rep + 1}", Path.Combine(_tmp, $"dispatch-{rep + 1}.db"));
            var payloads = LoadPayloads();
            using var ro = Db.OpenReadOnly(app.DbPath);
            var startRss = app.MemoryMb("VmRSS");

            var sw = Stopwatch.StartNew();
            await SendLoadAsync(app, payloads);
            var accepted = sw.Elapsed;
            await DrainAsync(ro, TimeSpan.FromMinutes(10), poll: 50);
            var elapsed = sw.Elapsed;
            var peak = app.MemoryMb("VmHWM");

            if (Unsent(ro, s.DispatchTotal) is { } unsent) notes.Add($"run {rep + 1}: {unsent}");
            var rate = s.DispatchTotal / elapsed.TotalSeconds;
            rates.Add(rate);
            peaks.Add(peak);
            acceptSeconds.Add(accepted.TotalSeconds);
            totalSeconds.Add(elapsed.TotalSeconds);
            Log($"   run {rep + 1}: {s.DispatchTotal:N0} in {elapsed.TotalSeconds:F1} s = {rate:N0}/s (all {s.DispatchRequests} requests accepted after {accepted.TotalSeconds:F1} s); " +
                $"RSS {startRss:F0} MB at start, peak {peak:F0} MB");
        }

        var median = Stats.Median(rates);
        var peakMedian = Stats.Median(peaks);
        var n = $"{s.DispatchReps} (fresh app each)";
        _figures.Add(new Figure("2", $"dispatch {s.DispatchTotal:N0} messages ({s.DispatchRequests} bulk requests of {s.DispatchRequestSize:N0}) through the simulated provider, no latency: first request → last status written",
            $"{median:N0} msg/s", Stats.Spread(rates, "N0") + " msg/s", n, "≥ 15,000 msg/s",
            median >= 15_000 ? "met" : $"**MISSED**: {median:N0} msg/s",
            $"total {Stats.Median(totalSeconds):F1} s, of which the {s.DispatchRequests} requests took {Stats.Median(acceptSeconds):F1} s (medians; dispatch runs alongside)"
            + (notes.Count > 0 ? "; " + string.Join("; ", notes) : "")));
        _figures.Add(new Figure("5", $"peak RSS of the server process (VmHWM) during figure 2's {s.DispatchTotal:N0}-message run",
            $"{peakMedian:F0} MB", Stats.Spread(peaks, "F0") + " MB", n, "< 400 MB",
            peakMedian < 400 ? "met" : $"**MISSED**: {peakMedian:F0} MB", "includes start-up; one fresh process per run"));
    }

    /// <summary>
    /// Figure 2w: figure 2's load with one webhook endpoint (message.sent) registered to a receiver on 127.0.0.1 answering at
    /// once: dispatch's rate as figure 2 measures it, and how long until every message's event had been delivered.
    /// </summary>
    private async Task DispatchWithWebhookAsync()
    {
        var rates = new List<double>();
        var eventRates = new List<double>();
        var notes = new List<string>();
        for (var rep = 0; rep < s.DispatchReps; rep++)
        {
            await using var receiver = await CommsConsole.Testing.WebhookReceiver.StartAsync(keep: false);
            await using var app = await AppServer.StartAsync($"dispatch-webhook-{rep + 1}", Path.Combine(_tmp, $"dispatch-webhook-{rep + 1}.db"));
            await AppServer.EnsureOkAsync(await app.Http.PostAsJsonAsync("/webhooks/endpoints", new { url = receiver.Url, events = new[] { "message.sent" } }),
                "POST /webhooks/endpoints");
            var payloads = LoadPayloads();
            using var ro = Db.OpenReadOnly(app.DbPath);
            var sw = Stopwatch.StartNew();
            await SendLoadAsync(app, payloads);
            await DrainAsync(ro, TimeSpan.FromMinutes(10), poll: 50);
            var dispatched = sw.Elapsed;
            while (receiver.Ids.Count < s.DispatchTotal)
            {
                if (sw.Elapsed > TimeSpan.FromMinutes(20)) throw new TimeoutException($"{receiver.Ids.Count:N0} of {s.DispatchTotal:N0} webhook events arrived");
                await Task.Delay(50);
            }
            var delivered = sw.Elapsed;
            if (Unsent(ro, s.DispatchTotal) is { } unsent) notes.Add($"run {rep + 1}: {unsent}");
            var repeats = receiver.Count - receiver.Ids.Count;
            if (repeats > 0) notes.Add($"run {rep + 1}: {repeats:N0} repeated deliveries");
            rates.Add(s.DispatchTotal / dispatched.TotalSeconds);
            eventRates.Add(s.DispatchTotal / delivered.TotalSeconds);
            Log($"   run {rep + 1}: dispatched {s.DispatchTotal:N0} in {dispatched.TotalSeconds:F1} s = {rates[^1]:N0}/s; " +
                $"all {receiver.Ids.Count:N0} events delivered after {delivered.TotalSeconds:F1} s ({receiver.Count:N0} requests)");
        }
        var median = Stats.Median(rates);
        _figures.Add(new Figure("2w", $"as 2, with one webhook endpoint (message.sent) registered to a receiver on 127.0.0.1",
            $"{median:N0} msg/s", Stats.Spread(rates, "N0") + " msg/s", $"{s.DispatchReps} (fresh app each)", "≥ 15,000 msg/s",
            median >= 15_000 ? "met" : $"**MISSED**: {median:N0} msg/s",
            $"every event delivered at {Stats.Median(eventRates):N0} events/s from the first request (median)" + (notes.Count > 0 ? "; " + string.Join("; ", notes) : "")));
    }

    /// <summary>
    /// Figures 2p/2q: as figure 2, on PostgreSQL (the server of COMMSCONSOLE_BENCH_POSTGRES), with one node or two app
    /// processes on the same database; every request goes to the first node, both dispatch.
    /// </summary>
    private async Task DispatchPostgresAsync(int nodes)
    {
        var id = nodes == 1 ? "2p" : "2q";
        var what = $"as 2, on PostgreSQL, {(nodes == 1 ? "one node" : "two nodes (two app processes on one database; requests to the first, both dispatch)")}";
        var server = Environment.GetEnvironmentVariable("COMMSCONSOLE_BENCH_POSTGRES");
        if (string.IsNullOrWhiteSpace(server))
        {
            Log("   COMMSCONSOLE_BENCH_POSTGRES is not set: no PostgreSQL figure");
            _figures.Add(new Figure(id, what, "not measured", "–", "0", "–", "–", "COMMSCONSOLE_BENCH_POSTGRES was not set (see Method)"));
            return;
        }
        var rates = new List<double>();
        var shares = new List<string>();
        for (var rep = 0; rep < s.DispatchReps; rep++)
        {
            var database = "cc_bench_" + Guid.NewGuid().ToString("N")[..12];
            var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = database }.ToString();
            var settings = new Dictionary<string, string>
            {
                ["Database:Provider"] = "Postgres",
                ["ConnectionStrings:DefaultConnection"] = connectionString,
                ["Logging:LogLevel:CommsConsole.Features.Dispatch"] = "Debug",
            };
            var apps = new List<AppServer>();
            try
            {
                for (var n = 0; n < nodes; n++)
                {
                    apps.Add(await AppServer.StartAsync($"{id}-{rep + 1}-node{n + 1}", "",
                        new Dictionary<string, string>(settings) { ["Dispatch:Node"] = $"node{n + 1}" }));
                }
                var payloads = LoadPayloads();
                await using var db = new Npgsql.NpgsqlConnection(connectionString);
                await db.OpenAsync();
                async Task<long> CountAsync(string sql)
                {
                    await using var cmd = new Npgsql.NpgsqlCommand(sql, db);
                    return Convert.ToInt64(await cmd.ExecuteScalarAsync());
                }

                var sw = Stopwatch.StartNew();
                await SendLoadAsync(apps[0], payloads);
                var accepted = sw.Elapsed;
                while (await CountAsync("""SELECT COUNT(*) FROM "Messages" WHERE "Status" IN (0,1)""") > 0)
                {
                    if (sw.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException("messages still pending or sending after 10 minutes");
                    await Task.Delay(50);
                }
                var elapsed = sw.Elapsed;
                var total = await CountAsync("""SELECT COUNT(*) FROM "Messages" """);
                var sent = await CountAsync("""SELECT COUNT(*) FROM "Messages" WHERE "Status" IN (2,3)""");
                if (total != s.DispatchTotal || sent != total) throw new InvalidOperationException($"{sent} of {total} rows sent, expected {s.DispatchTotal}");
                var rate = s.DispatchTotal / elapsed.TotalSeconds;
                rates.Add(rate);
                var share = nodes == 1 ? "" : " (" + string.Join(" / ", apps.Select((a, i) => $"node{i + 1} {DispatchedIn(a.LogPath, $"node{i + 1}"):N0}")) + ")";
                shares.Add(share.Trim());
                Log($"   {id} run {rep + 1}: {s.DispatchTotal:N0} in {elapsed.TotalSeconds:F1} s = {rate:N0}/s (requests accepted after {accepted.TotalSeconds:F1} s){share}");
            }
            finally
            {
                foreach (var a in apps) await a.DisposeAsync();
                Npgsql.NpgsqlConnection.ClearAllPools();
                await using var admin = new Npgsql.NpgsqlConnection(server);
                await admin.OpenAsync();
                await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
            }
        }
        _figures.Add(new Figure(id, what, $"{Stats.Median(rates):N0} msg/s", Stats.Spread(rates, "N0") + " msg/s", $"{s.DispatchReps} (fresh database each)",
            "–", "–", nodes == 1 ? "server on the same 2 cores" : "messages dispatched per node, from their logs: " + string.Join("; ", shares)));
    }

    /// <summary>The messages a node's log says it dispatched ("Node X dispatched N messages").</summary>
    private static long DispatchedIn(string logPath, string node)
    {
        using var stream = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        long sum = 0;
        var prefix = $"Node {node} dispatched ";
        while (reader.ReadLine() is { } line)
        {
            var at = line.IndexOf(prefix, StringComparison.Ordinal);
            if (at >= 0 && long.TryParse(line[(at + prefix.Length)..].Split(' ')[0], out var n)) sum += n;
        }
        return sum;
    }

    // ---------------------------------------------------------------- 3. log queries over many rows

    private async Task LogQueriesAsync()
    {
        await using var app = await StartWithHistoryAsync("logs", s.LogRows);
        var variants = new (string Name, string Query)[]
        {
            ("no filter, page 1", "page=1&page_size=20"),
            ($"no filter, page {s.DeepPage:N0}", $"page={s.DeepPage}&page_size=20"),
            ("`channel=sms&status=sent`, page 1", "channel=sms&status=sent&page=1&page_size=20"),
            ($"`channel=sms&status=sent`, page {s.DeepPage:N0}", $"channel=sms&status=sent&page={s.DeepPage}&page_size=20"),
        };
        foreach (var (name, query) in variants)
        {
            var url = "/communication/logs?" + query;
            var total = 0;
            for (var i = 0; i < 2; i++) total = await GetLogsAsync(app, url); // warm-up
            var times = new List<double>();
            var budget = Stopwatch.StartNew();
            while (times.Count < s.LogRequests && (times.Count < 5 || budget.Elapsed < TimeSpan.FromSeconds(90)))
            {
                var sw = Stopwatch.StartNew();
                await GetLogsAsync(app, url);
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            var p50 = Stats.Median(times);
            var p95 = Stats.Percentile(times, 95);
            Log($"   {name}: p50 {p50:F1} ms, p95 {p95:F1} ms over {times.Count} (total {total:N0})");
            _figures.Add(new Figure("3", $"`GET /communication/logs` {name}, page_size 20, SystemAdmin, {s.LogRows:N0} rows",
                $"{p50:F1} ms (p95 {p95:F1} ms)", Stats.Spread(times, "F1") + " ms", $"{times.Count} (+2 warm-up)", "p50 < 30 ms",
                p50 < 30 ? "met" : $"**MISSED**: p50 {p50:F0} ms", $"total matching {total:N0}"));
        }
    }

    /// <summary>One log query read to the end of its body; a non-2xx, or a short page where a full one is due, throws.</summary>
    private static async Task<int> GetLogsAsync(AppServer app, string url, bool fullPage = true)
    {
        using var response = await app.Http.GetAsync(url);
        await AppServer.EnsureOkAsync(response, "GET " + url);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
        var items = doc.RootElement.GetProperty("items").GetArrayLength();
        if (fullPage && items != 20) throw new InvalidOperationException($"GET {url} returned {items} items, expected 20");
        return doc.RootElement.GetProperty("total").GetInt32();
    }

    private static readonly string[] LogFilters = ["", "&status=sent", "&status=failed", "&channel=sms"];

    /// <summary>What a console user paging the logs asks for: a random page of 1–19 with a random status or channel filter, or none.</summary>
    private static string RandomLogsUrl(Random random) =>
        $"/communication/logs?page={random.Next(1, 20)}&page_size=20{LogFilters[random.Next(LogFilters.Length)]}";

    /// <summary>
    /// A fresh app whose file already holds <paramref name="rows"/> finished messages of its admin: the app creates the file
    /// and the admin, is stopped, the rows are written straight into the file (Db.GenerateLogRows), and it is started again.
    /// </summary>
    private async Task<AppServer> StartWithHistoryAsync(string name, int rows)
    {
        var path = Path.Combine(_tmp, name + ".db");
        string tenant, user;
        await using (var setup = await AppServer.StartAsync(name + "-setup", path))
        {
            (tenant, user) = AdminIds(path);
        }
        SqliteConnection.ClearAllPools();
        var generated = Db.GenerateLogRows(path, tenant, user, rows);
        Log($"   generated {rows:N0} rows in {generated.TotalSeconds:F1} s");
        // The generated sms rows went to 13000000000 + k; numbers handed out later must not repeat them.
        _nextPhone = Math.Max(_nextPhone, rows);
        return await AppServer.StartAsync(name, path);
    }

    // ---------------------------------------------------------------- 9. send to a list

    /// <summary>
    /// Figure 9: a list of <see cref="Settings.AudienceContacts"/> contacts (1% opted out) written straight into the app's
    /// file; one <c>POST /communication/bulk</c> with its <c>list_id</c> timed to its answer (rows durable), the server's
    /// peak RSS, and the drain of every row after it.
    /// </summary>
    /// <summary>Figure 9's marketing SMS, with no contact field in it.</summary>
    private const string AudienceText = "【CommsConsole】Spring sale: 20% off this week.";

    private async Task AudienceSendAsync()
    {
        var n = s.AudienceContacts;
        var path = Path.Combine(_tmp, "audience.db");
        string tenant, user;
        await using (var setup = await AppServer.StartAsync("audience-setup", path))
        {
            (tenant, user) = AdminIds(path);
        }
        SqliteConnection.ClearAllPools();
        var (listId, warmUpListId, generated) = Db.GenerateAudience(path, tenant, user, n);
        Log($"   generated {n:N0} contacts in list {listId} in {generated.TotalSeconds:F1} s");
        // As the app stores it: a marketing SMS ends with its opt-out instruction (the default one; the tenant sets none).
        var (rawRows, raw) = Db.RawAudienceInsert(path, tenant, user, listId,
            CommsConsole.Features.Compliance.ComplianceText.WithOptOutHint(AudienceText, new CommsConsole.Features.Compliance.PolicyDefaults().SmsOptOutHint));
        Log($"   raw INSERT … SELECT of {rawRows:N0} rows in {raw.TotalSeconds:F2} s (file put back)");
        await using var app = await AppServer.StartAsync("audience", path);
        using var ro = Db.OpenReadOnly(app.DbPath);
        var startRss = app.MemoryMb("VmRSS");

        // Warm-up, as the other figures have one: a send to a list of 1,000 of the same contacts, drained.
        using (var warmUp = JsonContent.Create(new { channel = "sms", content = AudienceText, list_id = warmUpListId }))
        using (var warmUpResponse = await app.Http.PostAsync("/communication/bulk", warmUp))
        {
            if (!warmUpResponse.IsSuccessStatusCode)
                throw new InvalidOperationException($"the warm-up send answered {(int)warmUpResponse.StatusCode}: {await warmUpResponse.Content.ReadAsStringAsync()}");
        }
        await DrainAsync(ro, TimeSpan.FromMinutes(5), poll: 200);

        var payload = JsonSerializer.SerializeToUtf8Bytes(new { channel = "sms", content = AudienceText, list_id = listId });
        var cpuBefore = CpuSeconds(app.Pid);
        var sw = Stopwatch.StartNew();
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await app.Http.PostAsync("/communication/bulk", content);
        var body = await response.Content.ReadAsStringAsync();
        var accepted = sw.Elapsed;
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST /communication/bulk with list_id answered {(int)response.StatusCode}: {body[..Math.Min(body.Length, 500)]}");
        var acceptPeak = app.MemoryMb("VmHWM");
        var acceptCpu = CpuSeconds(app.Pid) - cpuBefore;
        var load = LoadAverage();
        using var doc = JsonDocument.Parse(body);
        var total = doc.RootElement.GetProperty("total").GetInt32();
        var batchId = doc.RootElement.GetProperty("batch_id").GetInt64();
        var willReceive = doc.RootElement.GetProperty("audience").GetProperty("will_receive").GetInt32();
        var durable = Db.Scalar(ro, """SELECT COUNT(*) FROM "Messages" WHERE "BatchId"=@b""", ("@b", batchId));
        if (total != n || durable != n) throw new InvalidOperationException($"answered total {total} and {durable} rows in the file, expected {n}");
        Log($"   accepted {total:N0} ({willReceive:N0} to send) in {accepted.TotalSeconds:F2} s (server CPU {acceptCpu:F1} s, load average {load}); RSS {startRss:F0} MB at start, peak {acceptPeak:F0} MB");

        var drain = Stopwatch.StartNew();
        await DrainAsync(ro, TimeSpan.FromMinutes(30), poll: 200);
        var drained = drain.Elapsed;
        var peak = app.MemoryMb("VmHWM");
        var sent = Db.Scalar(ro, """SELECT COUNT(*) FROM "Messages" WHERE "BatchId"=@b AND "Status" IN (2,3)""", ("@b", batchId));
        var rate = sent / drained.TotalSeconds;
        Log($"   drained {sent:N0} in {drained.TotalSeconds:F1} s = {rate:N0}/s; peak RSS {peak:F0} MB");

        var size = $"{n:N0} contacts (1% opted out)";
        _figures.Add(new Figure("9", $"`POST /communication/bulk` with `list_id` of a list of {size}, send → answer (rows durable)",
            $"{accepted.TotalSeconds:F2} s", "–", "1 (fresh app)", "< 10 s", accepted.TotalSeconds < 10 ? "met" : $"**MISSED**: {accepted.TotalSeconds:F1} s",
            $"{total:N0} rows written: {willReceive:N0} pending, {total - willReceive:N0} suppressed; the server used {acceptCpu:F1} s of CPU meanwhile (1-minute load average {load} on {Environment.ProcessorCount} cores)"));
        if (rawRows != willReceive) throw new InvalidOperationException($"the raw insert wrote {rawRows} rows, the app {willReceive}");
        _figures.Add(new Figure("9r", $"raw `INSERT … SELECT` of the same {rawRows:N0} rows into the same file, app stopped (one statement over the list's members with a phone and no opt-out, one transaction, committed; identical indexes, WAL as the app sets it)",
            $"{raw.TotalSeconds:F2} s", "–", "1", "baseline", "–", "the floor of figure 9 on this machine with the message table's indexes"));
        _figures.Add(new Figure("9c", "ratio figure 9 ÷ 9r", $"{accepted.TotalSeconds / raw.TotalSeconds:F2}×", "–", "1", "–", "–",
            "the app also checks the audience, counts its members by reason on a second connection, writes the opted-out as suppressed with their reasons, and answers"));
        _figures.Add(new Figure("9 rss", $"peak RSS of the server process (VmHWM) from start-up to figure 9's answer",
            $"{acceptPeak:F0} MB", "–", "1", "< 400 MB", acceptPeak < 400 ? "met" : $"**MISSED**: {acceptPeak:F0} MB", $"{startRss:F0} MB at start-up, before the warm-up"));
        _figures.Add(new Figure("9 rss drain", $"peak RSS of the server process (VmHWM) once figure 9's rows are dispatched",
            $"{peak:F0} MB", "–", "1", "< 400 MB", peak < 400 ? "met" : $"**MISSED**: {peak:F0} MB", "the dispatcher's (compare figure 5)"));
        var segmentDrained = TimeSpan.Zero;
        var segmentRate = 0d;
        // A segment of the same contacts, its filter compiled to SQL over the attributes JSON, sent to as the list was.
        using (var segmentContent = JsonContent.Create(new { name = "Shanghai", filter = "city = \"Shanghai\" AND has phone" }))
        using (var created = await app.Http.PostAsync("/communication/segments", segmentContent))
        {
            var createdBody = await created.Content.ReadAsStringAsync();
            if (!created.IsSuccessStatusCode) throw new InvalidOperationException($"POST /communication/segments answered {(int)created.StatusCode}: {createdBody}");
            var segmentId = JsonDocument.Parse(createdBody).RootElement.GetProperty("id").GetInt64();
            var segmentCpu = CpuSeconds(app.Pid);
            var segmentTimer = Stopwatch.StartNew();
            using var segmentSend = JsonContent.Create(new { channel = "sms", content = AudienceText, segment_id = segmentId });
            using var segmentResponse = await app.Http.PostAsync("/communication/bulk", segmentSend);
            var segmentBody = await segmentResponse.Content.ReadAsStringAsync();
            var segmentElapsed = segmentTimer.Elapsed;
            segmentCpu = CpuSeconds(app.Pid) - segmentCpu;
            var segmentPeak = app.MemoryMb("VmHWM");
            if (!segmentResponse.IsSuccessStatusCode)
                throw new InvalidOperationException($"POST /communication/bulk with segment_id answered {(int)segmentResponse.StatusCode}: {segmentBody[..Math.Min(segmentBody.Length, 500)]}");
            using var segmentDoc = JsonDocument.Parse(segmentBody);
            var segmentBatch = segmentDoc.RootElement.GetProperty("batch_id").GetInt64();
            var segmentTotal = segmentDoc.RootElement.GetProperty("total").GetInt32();
            var segmentRows = Db.Scalar(ro, """SELECT COUNT(*) FROM "Messages" WHERE "BatchId"=@b""", ("@b", segmentBatch));
            if (segmentTotal != n || segmentRows != n) throw new InvalidOperationException($"the segment send answered total {segmentTotal} with {segmentRows} rows in the file, expected {n}");
            Log($"   segment: accepted {segmentTotal:N0} in {segmentElapsed.TotalSeconds:F2} s (server CPU {segmentCpu:F1} s); peak RSS {segmentPeak:F0} MB");
            _figures.Add(new Figure("9s", $"`POST /communication/bulk` with `segment_id` of a segment `city = \"Shanghai\" AND has phone` matching all {size}, send → answer (rows durable)",
                $"{segmentElapsed.TotalSeconds:F2} s", "–", "1", "< 10 s", segmentElapsed.TotalSeconds < 10 ? "met" : $"**MISSED**: {segmentElapsed.TotalSeconds:F1} s",
                $"after 9's drain; server CPU {segmentCpu:F1} s; peak RSS {segmentPeak:F0} MB (VmHWM since start-up)"));
            var segmentDrain = Stopwatch.StartNew();
            await DrainAsync(ro, TimeSpan.FromMinutes(30), poll: 200);
            segmentDrained = segmentDrain.Elapsed;
            segmentRate = Db.Scalar(ro, """SELECT COUNT(*) FROM "Messages" WHERE "BatchId"=@b AND "Status" IN (2,3)""", ("@b", segmentBatch)) / segmentDrained.TotalSeconds;
            Log($"   segment: drained in {segmentDrained.TotalSeconds:F1} s = {segmentRate:N0}/s");
        }

        // 9b: figure 2's load (bulk sends of pasted recipients) on the same app and file, right after the segment's drain: the
        // audiences' drains beside bulk sends dispatched from a table of about the same size.
        var beforeBulk = Db.Scalar(ro, """SELECT MAX("Id") FROM "Messages" """);
        var bulkTimer = Stopwatch.StartNew();
        await SendLoadAsync(app, LoadPayloads());
        await DrainAsync(ro, TimeSpan.FromMinutes(10), poll: 50);
        var bulkElapsed = bulkTimer.Elapsed;
        var bulkUnsent = Unsent(ro, s.DispatchTotal, beforeBulk);
        var bulkRate = s.DispatchTotal / bulkElapsed.TotalSeconds;
        Log($"   bulk sends on the same file: {s.DispatchTotal:N0} in {bulkElapsed.TotalSeconds:F1} s = {bulkRate:N0}/s{(bulkUnsent is null ? "" : "; " + bulkUnsent)}");

        // The same list again with text that reads contact fields: rendered per contact in the app, a page at a time.
        var personal = JsonSerializer.SerializeToUtf8Bytes(new { channel = "sms", content = "【CommsConsole】{{ name }} in {{ attributes.city }}: 20% off this week.", list_id = listId });
        var personalCpu = CpuSeconds(app.Pid);
        var personalTimer = Stopwatch.StartNew();
        using (var personalContent = new ByteArrayContent(personal))
        {
            personalContent.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var personalResponse = await app.Http.PostAsync("/communication/bulk", personalContent);
            var personalBody = await personalResponse.Content.ReadAsStringAsync();
            if (!personalResponse.IsSuccessStatusCode)
                throw new InvalidOperationException($"personalised POST /communication/bulk answered {(int)personalResponse.StatusCode}: {personalBody[..Math.Min(personalBody.Length, 500)]}");
        }
        var personalElapsed = personalTimer.Elapsed;
        personalCpu = CpuSeconds(app.Pid) - personalCpu;
        var personalPeak = app.MemoryMb("VmHWM");
        var sample = Db.Scalar(ro, """SELECT COUNT(*) FROM "Messages" WHERE "BatchId" > @b AND "Content" LIKE '%Contact 1 in Shanghai%'""", ("@b", batchId));
        if (sample != 1) throw new InvalidOperationException($"the personalised send wrote {sample} rows for contact 1, expected 1");
        Log($"   personalised: accepted in {personalElapsed.TotalSeconds:F2} s (server CPU {personalCpu:F1} s); peak RSS {personalPeak:F0} MB");
        _figures.Add(new Figure("9p", $"as 9, with text reading `{{{{ name }}}}` and `{{{{ attributes.city }}}}` (rendered per contact, {n:N0} contacts), send → answer (rows durable)",
            $"{personalElapsed.TotalSeconds:F2} s", "–", "1", "–", "–", $"server CPU {personalCpu:F1} s; peak RSS {personalPeak:F0} MB (VmHWM since start-up, after the drains of 9, 9s and 9b)"));
        _figures.Add(new Figure("9 drain", $"dispatch of figure 9's {willReceive:N0} pending rows through the simulated provider: answer → last status written",
            $"{rate:N0} msg/s", "–", "1", "as bulk sends (9b)", "–", $"{drained.TotalSeconds:F1} s; ÷ 9b = {rate / bulkRate:F2}"));
        _figures.Add(new Figure("9s drain", $"dispatch of 9s's pending rows (after 9's drain, so the file holds about twice as many rows): answer → last status written",
            $"{segmentRate:N0} msg/s", "–", "1", "as bulk sends (9b)", "–", $"{segmentDrained.TotalSeconds:F1} s; ÷ 9b = {segmentRate / bulkRate:F2}"));
        _figures.Add(new Figure("9b", $"as 2 ({s.DispatchRequests} bulk requests of {s.DispatchRequestSize:N0} pasted recipients, drained), on figure 9's app after 9s's drain (the file holding both sends' {2 * n:N0} rows): first request → last status written",
            $"{bulkRate:N0} msg/s", "–", "1", "–", "–", $"{bulkElapsed.TotalSeconds:F1} s" + (bulkUnsent is null ? "" : "; " + bulkUnsent)));
    }

    /// <summary>User and system CPU time a process has used so far, from /proc (0 where there is none).</summary>
    private static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime and stime are fields 14 and 15 of the line, counted in clock ticks (100 a second on Linux).
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The machine's CPU time so far, all cores, from the first line of /proc/stat (in clock ticks).</summary>
    private readonly record struct MachineTicks(long Total, long Idle)
    {
        /// <summary>The share of the time since <paramref name="before"/> the cores were not idle (0 where /proc/stat is missing).</summary>
        public double Busy(MachineTicks before) => Total == before.Total ? 0 : 1 - (Idle - before.Idle) / (double)(Total - before.Total);
    }

    private static MachineTicks MachineCpu()
    {
        try
        {
            // cpu user nice system idle iowait irq softirq steal …: idle and iowait are the idle time.
            var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            return new MachineTicks(f.Take(8).Sum(), f[3] + f[4]);
        }
        catch (IOException)
        {
            return default;
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    // ---------------------------------------------------------------- helpers

    private List<string> Phones(int n)
    {
        var list = new List<string>(n);
        // Concurrent load clients draw numbers too: each number must be handed out once.
        for (var i = 0; i < n; i++) list.Add("13" + (Interlocked.Increment(ref _nextPhone) - 1).ToString("D9"));
        return list;
    }

    private static byte[] BulkPayload(IReadOnlyList<string> recipients) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        channel = "sms",
        content = SmsTemplate,
        recipients,
        variables = new Dictionary<string, object> { ["code"] = "482913", ["minutes"] = 5 },
    });

    private sealed record BulkResult(TimeSpan Elapsed, TimeSpan Headers, long RequestBytes, long ResponseBytes, int Total, long BatchId, string Content,
        int Segments, DateTimeOffset SentAt);

    /// <summary>
    /// One bulk request to these recipients, timed by SendBulkAsync; the answer must count them all and, once it is read,
    /// every row of the batch must be in the file (read through a connection of its own, so concurrent senders may call it).
    /// </summary>
    private static async Task<BulkResult> AcceptAsync(AppServer app, IReadOnlyList<string> recipients)
    {
        var result = await SendBulkAsync(app, BulkPayload(recipients));
        if (result.Total != recipients.Count) throw new InvalidOperationException($"bulk answered total {result.Total}, expected {recipients.Count}");
        using var ro = Db.OpenReadOnly(app.DbPath);
        var durable = Db.Scalar(ro, """SELECT COUNT(*) FROM "Messages" WHERE "BatchId"=@b""", ("@b", result.BatchId));
        if (durable != recipients.Count)
            throw new InvalidOperationException($"after the response {durable} rows of batch {result.BatchId} are in the file, expected {recipients.Count}");
        return result;
    }

    /// <summary>Figure 2's load: its requests, serialised beforehand so that building them is not measured.</summary>
    private List<byte[]> LoadPayloads() =>
        Enumerable.Range(0, s.DispatchRequests).Select(_ => BulkPayload(Phones(s.DispatchRequestSize))).ToList();

    /// <summary>Sends a load's requests one after another; each must be accepted whole.</summary>
    private async Task SendLoadAsync(AppServer app, IEnumerable<byte[]> payloads)
    {
        foreach (var payload in payloads)
        {
            var r = await SendBulkAsync(app, payload);
            if (r.Total != s.DispatchRequestSize) throw new InvalidOperationException($"bulk answered total {r.Total}, expected {s.DispatchRequestSize}");
        }
    }

    /// <summary>Sends one bulk request; the clock stops when the whole response has been read.</summary>
    private static async Task<BulkResult> SendBulkAsync(AppServer app, byte[] payload)
    {
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/communication/bulk") { Content = content };
        var sentAt = DateTimeOffset.UtcNow;
        var sw = Stopwatch.StartNew();
        using var response = await app.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var headers = sw.Elapsed;
        var body = await response.Content.ReadAsByteArrayAsync();
        var elapsed = sw.Elapsed;
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST /communication/bulk answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 500))}");
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var first = root.GetProperty("items")[0];
        return new BulkResult(elapsed, headers, payload.Length, body.Length, root.GetProperty("total").GetInt32(), root.GetProperty("batch_id").GetInt64(),
            first.GetProperty("content").GetString()!, first.GetProperty("segments").GetInt32(), sentAt);
    }

    /// <summary>Waits until no row is pending or sending, reading the app's file read-only.</summary>
    private static async Task DrainAsync(SqliteConnection ro, TimeSpan timeout, int poll = 100)
    {
        var sw = Stopwatch.StartNew();
        while (Db.Scalar(ro, """SELECT COUNT(*) FROM "Messages" WHERE "Status" IN (0,1)""") > 0)
        {
            if (sw.Elapsed > timeout) throw new TimeoutException($"messages still pending or sending after {timeout}");
            await Task.Delay(poll);
        }
    }

    /// <summary>Rows not yet sent or sending, other than those of one batch (the request being timed).</summary>
    private static long Backlog(SqliteConnection ro, long exceptBatch = 0) =>
        Db.Scalar(ro, """SELECT COUNT(*) FROM "Messages" WHERE "Status" IN (0,1) AND "BatchId" <> @b""", ("@b", exceptBatch));

    /// <summary>
    /// After a drain: the file must hold exactly <paramref name="expected"/> rows above id <paramref name="afterId"/> (the ones
    /// this benchmark sent); returns how many of them did not end sent (sent or delivered), or null when all did.
    /// </summary>
    private static string? Unsent(SqliteConnection ro, long expected, long afterId = 0)
    {
        var total = Db.Scalar(ro, """SELECT COUNT(*) FROM "Messages" WHERE "Id" > @a""", ("@a", afterId));
        if (total != expected) throw new InvalidOperationException($"{total} rows in the file, expected {expected}");
        var sent = Db.Scalar(ro, """SELECT COUNT(*) FROM "Messages" WHERE "Id" > @a AND "Status" IN (2,3)""", ("@a", afterId));
        return sent == total ? null : $"{total - sent:N0} of {total:N0} not sent";
    }

    private static (string Tenant, string User) AdminIds(string dbPath)
    {
        using var c = Db.OpenReadOnly(dbPath);
        using var cmd = c.CreateCommand();
        cmd.CommandText = """SELECT "Id","TenantId" FROM "AspNetUsers" WHERE "NormalizedEmail"=@e""";
        cmd.Parameters.AddWithValue("@e", AppServer.AdminEmail.ToUpperInvariant());
        using var r = cmd.ExecuteReader();
        if (!r.Read()) throw new InvalidOperationException("the bootstrap admin is not in the database");
        return (r.GetString(1), r.GetString(0));
    }

    // ---------------------------------------------------------------- report

    private string Report(TimeSpan duration)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# CommsConsole benchmarks");
        sb.AppendLine();
        if (s.Quick) sb.AppendLine("**Quick mode** (CI smoke run: small sizes, one repetition; the figures are not comparable with the targets).\n");
        if (s.Only is not null) sb.AppendLine($"**Partial run** (`--only {string.Join(',', s.Only)}`): only these figure groups were measured.\n");
        sb.AppendLine("| | |");
        sb.AppendLine("|---|---|");
        sb.AppendLine($"| machine | {CpuModel()}, {Environment.ProcessorCount} cores, {MemTotalGb():F1} GB RAM |");
        sb.AppendLine($"| OS | {OsName()} ({RuntimeInformation.OSArchitecture}) |");
        sb.AppendLine($"| runtime | .NET {Environment.Version}, app built {Paths.Configuration} |");
        sb.AppendLine($"| date | {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC |");
        sb.AppendLine($"| git commit | {GitCommit()} |");
        sb.AppendLine($"| duration | {duration.TotalMinutes:F1} min |");
        sb.AppendLine();
        sb.AppendLine("| # | figure | median | spread (min–max) | runs | target | result | notes |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var f in _figures)
            sb.AppendLine($"| {f.Number} | {f.What} | {f.Median} | {f.Spread} | {f.Runs} | {f.Target} | {f.Verdict} | {f.Notes} |");
        if (_errors.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("**Errors** (figures of these steps are missing):");
            foreach (var e in _errors) sb.AppendLine($"- {e}");
        }
        sb.AppendLine();
        sb.AppendLine("## Method");
        sb.AppendLine();
        foreach (var (groups, method) in Methods())
        {
            if (s.Runs(groups)) sb.AppendLine(method);
        }
        return sb.ToString();
    }

    /// <summary>The Method section: one entry per figure group, each with the groups it describes.</summary>
    private IEnumerable<(string[] Groups, string Text)> Methods()
    {
        yield return (Settings.Groups.ToArray(), $"""
            - `dotnet run --project CommsConsole.Benchmarks -c Release` (`--quick` for the CI-sized run, `--only 1,7` to measure only some figure groups,
              `--out <file>` to choose the report path).
              Every HTTP figure runs against the real app started as its own process (`dotnet CommsConsole/bin/{Paths.Configuration}/net10.0/CommsConsole.dll
              --urls http://127.0.0.1:<free port>`, `ASPNETCORE_ENVIRONMENT=Development`, `Logging__LogLevel__Default=Warning`, no quiet hours
              (so that marketing SMS, the bulk default, is not held at night), `Security__AllowPrivateNetworkTargets=true` (2b's tenant account points at 127.0.0.1), default dispatch and simulated-provider settings) on a fresh SQLite file in a temporary folder, over real HTTP on 127.0.0.1 with a bearer token
              of the bootstrap SystemAdmin. Spread is min–max over the runs; medians interpolate.
            """.TrimEnd());
        yield return (["1"], $"""
            - **1**: {s.BulkReps} requests of {s.BulkSize:N0} distinct sms recipients, content `{SmsTemplate}` with variables `code`, `minutes`, after one
              {Math.Min(1_000, s.BulkSize):N0}-recipient warm-up. The clock runs from sending the request to having read the whole response body; afterwards the
              rows of the batch are counted in the file through another connection (durable), and the benchmark waits until the app has dispatched them,
              so every request starts on an idle server. The baseline then inserts the same recipients with the app's rendered content into a second
              file holding a `Messages` table and indexes copied from the app's own file (created by its migration), WAL like the app's: one
              transaction, one prepared `INSERT` with the columns `MessageLedger.InsertBatchAsync` writes, on an open connection; the baseline file grows
              by the same rows as the app's.
            - **1d**: one fresh app; after the warm-up, 1's request (timed and checked as in 1) {s.BulkReps} times on the idle server, each waiting for the dispatch
              of the one before ("1d idle"); then figure 2's load ({s.DispatchRequests} requests of {s.DispatchRequestSize:N0}, one after another) and, while
              it is dispatched, the same request {s.BusyReps} times one after another. Before each timed request the read-only connection must see pending or
              sending rows (otherwise another load is sent first), and after it rows of other batches still pending or sending; a request after which
              there are none is not counted and is repeated after another load. "1d ratio" is busy p50 ÷ idle p50. At the end every row of every
              request must be in the file and, once drained, sent.
            """.TrimEnd());
        yield return (DispatchGroups, $"""
            - **2/5**: per run a fresh app and file; {s.DispatchRequests} bulk requests of {s.DispatchRequestSize:N0} are sent one after another while the app dispatches;
              the clock stops when a read-only connection to the app's file (polled every 50 ms) sees no pending or sending row; every row must then be in
              the file, and all sent. Peak memory is `VmHWM` from `/proc/<pid>/status` of the server process at that moment.
            """.TrimEnd());
        yield return (["3"], $"""
            - **3**: the app creates its file and admin, is stopped, and {s.LogRows:N0} finished messages of the admin's tenant (80% sms, 20% email; 70% sent,
              10% delivered, 15% failed, 5% cancelled; created over 30 days; in batches of 10,000 with matching counts) are inserted straight into the file
              with the app's encodings (indexes dropped during the insert and rebuilt; no `ANALYZE`, as the app does not run it); then the app is started
              again. Each variant: 2 warm-up requests, then up to {s.LogRequests} sequential requests (at least 5, at most ~90 s), each timed to the end of
              the body; every answer must hold 20 items. p50/p95 interpolate.
            """.TrimEnd());
        yield return (["4"], $"""
            - **4**: `LiquidTemplateEngine` in this process (no HTTP): one template compiled once, rendered on one thread with 4,096 different
              variable sets in turn; {s.RenderRuns} runs of {s.RenderSeconds:0.#} s after a warm-up.
            """.TrimEnd());
        yield return (DispatchGroups, $"""
            - **2p/2q**: as 2, but on PostgreSQL (`Database:Provider=Postgres`, Hangfire.PostgreSql) on the server named by the environment
              variable `COMMSCONSOLE_BENCH_POSTGRES` (a superuser connection string; a fresh database per run, dropped afterwards), with one app
              process (2p) or two app processes on the same database (2q, default settings each: 4 workers, chunks of 500); all requests go to the
              first, and the drain is polled on the database. `scripts/throwaway-postgres.sh start <dir>` starts a suitable server (PostgreSQL 15
              from Debian, default durability settings, on the same machine). test.sh passes its throw-away test server (fsync off) to `--quick`.
            - **2b**: as 2, but the tenant's SMS provider is set to SUBMAIL (`PUT /admin/providers/sms/primary`) pointing at the fake SUBMAIL server of `CommsConsole.Testing`
              (in this process, on 127.0.0.1), which checks every signature and answers each `batchsend` after 50 ms.
            """.TrimEnd());
        yield return (["6"], $"""
            - **6**: one fresh app; {s.LoadClients} clients in this process loop for {s.LoadSeconds} s, each sending nine
              `GET /communication/logs` (random page 1–19, random status/channel filter) for every `POST /communication/bulk` of 100
              recipients, over one shared HTTP connection pool; latency is per request to the end of the body; any non-2xx or
              exception counts as an error. The app dispatches the sends meanwhile. The notes give the CPU time the server and
              this process used over the load (`/proc/<pid>/stat`) per second of it, the machine's busy share (`/proc/stat`),
              and the rows accepted and still pending or sending when the clients stop.
            """.TrimEnd());
        yield return (["7"], $"""
            - **7**: one app whose file holds {s.HistoryRows:N0} finished messages written as in 3; after 2 warm-up queries, {s.Readers} clients in this
              process loop for {s.ReadSeconds} s on `GET /communication/logs` (random page 1–19, random status/channel filter, as 6; every answer must
              hold 20 items) while one more client starts a `POST /communication/bulk` of {s.BulkSize:N0} sms recipients (as 1) every {BigSendEverySeconds} s,
              on schedule even when the one before is still unanswered (such overlaps are counted); one shared HTTP connection pool; latency per
              request to the end of the body; each send's rows must be in the file once it is answered; any non-2xx or exception counts as an
              error. Readers' requests/s is their count over the {s.ReadSeconds} s; the app dispatches the sends meanwhile, and afterwards every sent
              row must drain to sent.
            """.TrimEnd());
        foreach (var method in ImportMethods()) yield return method;
        yield return (["9"], $"""
            - **9**: the app creates its file and admin and is stopped; {s.AudienceContacts:N0} contacts of the admin's tenant (a phone, a name, a city
              attribute; every hundredth opted out of SMS; the phones in no order of the contact ids, as an imported file leaves them), one list holding them all and one holding the first 1,000 are written straight into the file
              in SQL; the app is started again, sends to the list of 1,000 as a warm-up (drained), and one `POST /communication/bulk` with the big list's `list_id` (marketing SMS, no contact field in the text) is timed from send to the
              end of its answer; the answer must count every member and every row must be in the file once it is read. "9 rss" is the server's VmHWM
              once answered and "9 rss drain" after the drain; "9r": before the app starts again, the same rows are written straight into the file by one
              `INSERT … SELECT` like the app's (timed to its commit; the file is then put back as it was); "9 drain" is the pending rows over the time from the answer until no row is pending or sending.
              "9s": then a segment `city = "Shanghai" AND has phone` (every contact) is created over the API and one send with its `segment_id` timed
              and checked the same way, and drained ("9s drain", timed as "9 drain"); "9b": then figure 2's load (its bulk requests of pasted
              recipients) is sent to the same app and drained, timed as 2, for the drains to be compared with bulk sends on a file of about the
              same size; "9p": then the list again with text reading the contact's name and city attribute, rendered per contact.
            """.TrimEnd());
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { return RuntimeInformation.ProcessArchitecture.ToString(); }
    }

    private static double MemTotalGb()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0 / 1024.0;
    }

    private static string OsName()
    {
        try
        {
            var pretty = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            var kernel = "Linux " + File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
            return pretty is null ? kernel : $"{pretty["PRETTY_NAME=".Length..].Trim('"')}, {kernel}";
        }
        catch (IOException) { return RuntimeInformation.OSDescription; }
    }

    private static string GitCommit()
    {
        try
        {
            string Git(string args)
            {
                var psi = new ProcessStartInfo("git", args) { WorkingDirectory = Paths.Root, RedirectStandardOutput = true, RedirectStandardError = true };
                using var p = Process.Start(psi)!;
                var output = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit();
                return output;
            }
            var commit = Git("rev-parse --short HEAD");
            var dirty = Git("status --porcelain --untracked-files=no").Length > 0 ? " (with uncommitted changes)" : "";
            return commit.Length == 0 ? "unknown" : commit + dirty;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException) { return "unknown"; }
    }
}
