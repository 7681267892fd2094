using System.Data.Common;
using CommsConsole.Data;
using CommsConsole.Features.Common;
using CommsConsole.Features.Messaging;
using CommsConsole.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace CommsConsole.Tests.Data;

/// <summary>
/// Dispatch's indexes hold only the rows they are for (partial indexes), and a planner uses one only when the query
/// names the same condition. A claim or a reclaim that stopped doing so would scan the whole table under the write
/// lock, which no functional test notices: these read the plans of the statements the ledger really sends, on a
/// database of their own whose contents (and, on PostgreSQL, statistics) do not depend on what other tests did.
/// </summary>
public sealed class MessageIndexPlanTests(PlanDatabase database) : IClassFixture<PlanDatabase>
{
    // Before every row of the plan database: the statements run, and change nothing.
    private static readonly DateTimeOffset Past = PlanDatabase.Start;

    [Fact]
    public async Task AClaim_PicksDueRowsFromThePendingIndex()
    {
        var commands = await CaptureAsync(ledger => ledger.ClaimAsync("plan-test", Past, Past.AddMinutes(5), 500, CancellationToken.None));
        var pick = Assert.Single(commands, c => c.CommandText.Contains("\"NextAttemptAt\" <="));
        var plan = await PlanAsync(pick);
        Assert.Contains("IX_Messages_Status_NextAttemptAt", plan);
        // The picked rows are then found by their ids: walking the pending index instead costs the whole backlog per claim.
        if (AppFactory.OnPostgres) Assert.Contains("PK_Messages", plan);
        else
        {
            Assert.Contains("SEARCH m USING INTEGER PRIMARY KEY", plan);
            Assert.DoesNotContain("SEARCH m USING INDEX", plan);
        }
    }

    [Fact]
    public async Task ABatchCancel_FindsItsRowsByTheBatch_NotByWalkingEveryPendingRow()
    {
        // No batch has this id: the statement runs and changes nothing.
        var commands = await CaptureAsync(ledger => ledger.CancelPendingAsync(-1, Past, CancellationToken.None));
        var cancel = Assert.Single(commands, c => c.CommandText.Contains("UPDATE \"Messages\"") && c.CommandText.Contains("\"BatchId\" ="));
        var plan = await PlanAsync(cancel);
        Assert.Contains("IX_Messages_BatchId_CreatedAt_Id", plan);
        Assert.DoesNotContain("IX_Messages_Status_NextAttemptAt", plan);
    }

    [Fact]
    public async Task AClaimsRows_AreReadBackFromTheLeaseIndex()
    {
        await using var db = database.Context();
        await using var command = MessageLedger.LeasedRows(db.Messages.AsNoTracking(), "plan-test", Past.AddMinutes(5)).CreateDbCommand();
        var plan = await PlanAsync(new Captured(command.CommandText,
            command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, (object?)p.Value)).ToList()));
        Assert.Contains("IX_Messages_Status_LeaseUntil", plan);
    }

    [Fact]
    public async Task AReclaim_FindsExpiredLeasesFromTheLeaseIndex()
    {
        var commands = await CaptureAsync(ledger => ledger.ReclaimExpiredAsync(Past, CancellationToken.None));
        var find = commands.First(c => c.CommandText.Contains("\"LeaseUntil\" <"));
        Assert.Contains("IX_Messages_Status_LeaseUntil", await PlanAsync(find));
    }

    [Fact]
    public async Task OnSqlite_AChunksOutcomes_FindTheirRowsByPrimaryKey()
    {
        // The statement is SQLite's own, so it is planned on a SQLite file whichever database the suite runs on.
        var file = Path.Combine(Path.GetTempPath(), "commsconsole-plan-" + Guid.NewGuid().ToString("N")[..8] + ".db");
        try
        {
            // Identity's options (set by the app) shape only the user tables; the messages' are the same without them.
            await using (var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite($"Data Source={file}")
                             .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options))
                await db.Database.MigrateAsync();
            var plan = await PlanAsync(new SqliteConnection($"Data Source={file}"), new Captured(MessageRowWriter.CompleteSqliteSql,
                [("@now", 0L), ("@lease", "plan-test"), ("@sending", 1), ("@outcomes", "[[1,2,null,null,null,null,null,0,\"0.0\",null,0]]")]));
            Assert.Contains("SEARCH m USING INTEGER PRIMARY KEY", plan);
            Assert.DoesNotContain("SCAN m", plan);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { file, file + "-wal", file + "-shm" }) File.Delete(f);
        }
    }

    private sealed record Captured(string CommandText, IReadOnlyList<(string Name, object? Value)> Parameters);

    private sealed class Capture : DbCommandInterceptor
    {
        public List<Captured> Commands { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken ct = default)
        {
            Record(command);
            return ValueTask.FromResult(result);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<int> result, CancellationToken ct = default)
        {
            Record(command);
            return ValueTask.FromResult(result);
        }

        private void Record(DbCommand command) => Commands.Add(new(command.CommandText,
            command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, (object?)p.Value)).ToList()));
    }

    private async Task<List<Captured>> CaptureAsync(Func<MessageLedger, Task> work)
    {
        var capture = new Capture();
        await using var db = database.Context(capture);
        await work(new MessageLedger(db));
        return capture.Commands;
    }

    /// <summary>The plan of one captured statement, with its own parameters; on PostgreSQL with sequential scans priced out, so that a small table still shows whether the index can be used.</summary>
    private Task<string> PlanAsync(Captured command) =>
        PlanAsync(AppFactory.OnPostgres ? new NpgsqlConnection(database.ConnectionString) : new SqliteConnection(database.ConnectionString), command);

    private static async Task<string> PlanAsync(DbConnection connection, Captured command)
    {
        await using var _ = connection;
        await connection.OpenAsync();
        if (connection is NpgsqlConnection)
        {
            await using var off = connection.CreateCommand();
            off.CommandText = "SET enable_seqscan = off";
            await off.ExecuteNonQueryAsync();
        }
        await using var explain = connection.CreateCommand();
        explain.CommandText = (connection is NpgsqlConnection ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + command.CommandText;
        foreach (var (name, value) in command.Parameters)
        {
            var p = explain.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            explain.Parameters.Add(p);
        }
        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetValue(reader.FieldCount - 1)?.ToString() ?? "");
        return string.Join("\n", lines);
    }
}

/// <summary>
/// A migrated database of its own (a SQLite file, or a PostgreSQL database) holding what a working day leaves in the
/// messages table: mostly finished messages, one in a hundred pending and one in a hundred leased, all later than
/// <see cref="Start"/>. On PostgreSQL it is analysed, as autovacuum would; SQLite is left without statistics, as the app leaves it.
/// </summary>
public sealed class PlanDatabase : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const int Rows = 5_000;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "commsconsole-plan-" + Guid.NewGuid().ToString("N")[..8]);

    public string ConnectionString => AppFactory.ConnectionStringFor(_directory);

    // Identity's options (set by the app) shape only the user tables; the messages' are the same without them.
    public AppDbContext Context(params IInterceptor[] interceptors) => AppFactory.OnPostgres
        ? new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql(ConnectionString).AddInterceptors(interceptors)
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options)
        : new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite(ConnectionString).AddInterceptors(interceptors)
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        await using var db = Context();
        await db.Database.MigrateAsync();
        long start = Start.UtcTicks, second = TimeSpan.TicksPerSecond;
        int pending = (int)MessageStatus.Pending, sending = (int)MessageStatus.Sending, sent = (int)MessageStatus.Sent;
        // Numbers only, from constants: nothing to parameterise.
        string rows = $"""
            WITH RECURSIVE g(x) AS (SELECT CAST(1 AS bigint) UNION ALL SELECT x + 1 FROM g WHERE x < {Rows})
            INSERT INTO "Messages" ("TenantId", "UserId", "BatchId", "Channel", "Status", "Purpose", "Recipient", "Content",
                "RetryCount", "Cost", "Segments", "CreatedAt", "UpdatedAt", "NextAttemptAt", "LeaseId", "LeaseUntil")
            SELECT 'plan', 'plan', x / 500, 0,
                CASE x % 100 WHEN 0 THEN {pending} WHEN 1 THEN {sending} ELSE {sent} + x % 3 END,
                0, '+8613800000000', 'x', 0, 0, 1, {start} + x * {second}, {start} + x * {second}, {start} + x * {second},
                CASE x % 100 WHEN 1 THEN 'lease' END, CASE x % 100 WHEN 1 THEN {start} + x * {second} END
            FROM g
            """;
        await db.Database.ExecuteSqlRawAsync(rows);
        if (AppFactory.OnPostgres) await db.Database.ExecuteSqlRawAsync("ANALYZE \"Messages\"");
    }

    public async Task DisposeAsync() => await AppFactory.DeleteAsync(_directory);
}
