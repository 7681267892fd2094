using System.Data.Common;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace CommsConsole.Data;

public sealed class DatabaseOptions
{
    public const string Section = "Database";
    /// <summary>Sqlite (the embedded default, one node) or Postgres (one or several nodes on one database).</summary>
    public string Provider { get; set; } = "Sqlite";
}

public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>The database this node runs on, for the few places that set up infrastructure beside EF Core (Hangfire's storage).</summary>
/// <param name="JobsPath">On SQLite, the file of Hangfire's jobs (Hangfire.Storage.SQLite); on PostgreSQL null (the jobs live in the database).</param>
public sealed record DatabaseInfo(DatabaseProvider Provider, string ConnectionString, string? JobsPath = null)
{
    public bool IsPostgres => Provider == DatabaseProvider.Postgres;
}

public static class DataExtensions
{
    public const string DefaultSqlite = "Data Source=commsconsole.db";

    /// <summary>
    /// The database from configuration: <c>Database:Provider</c>, <c>ConnectionStrings:DefaultConnection</c> and, on SQLite,
    /// <c>ConnectionStrings:Jobs</c> for Hangfire's own file.
    /// </summary>
    public static void AddDataLayer(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var provider = options.Provider.Trim().ToLowerInvariant() switch
        {
            "sqlite" => DatabaseProvider.Sqlite,
            "postgres" or "postgresql" => DatabaseProvider.Postgres,
            _ => throw new InvalidOperationException($"Database:Provider '{options.Provider}' is not supported; use Sqlite or Postgres."),
        };
        var connectionString = builder.Configuration.GetConnectionString("DefaultConnection");
        var services = builder.Services;
        string? jobsPath = null;
        if (provider == DatabaseProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(connectionString) || connectionString.Trim().Equals(DefaultSqlite, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    "Database:Provider is Postgres but ConnectionStrings:DefaultConnection is not a PostgreSQL connection string " +
                    "(for example Host=db.example.com;Database=commsconsole;Username=commsconsole;Password=…).");
            }
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidOperationException($"ConnectionStrings:DefaultConnection is not a valid PostgreSQL connection string: {ex.Message}", ex);
            }
            // Services ask for AppDbContext; on PostgreSQL they get the subclass that carries the PostgreSQL migrations.
            services.AddPooledDbContextFactory<PostgresAppDbContext>(o => o.UseNpgsql(connectionString));
            services.AddSingleton<IDbContextFactory<AppDbContext>>(sp => new BaseFactory<PostgresAppDbContext>(sp.GetRequiredService<IDbContextFactory<PostgresAppDbContext>>()));
        }
        else
        {
            connectionString = ResolveSqlitePath(connectionString ?? DefaultSqlite, builder.Environment.ContentRootPath);
            jobsPath = JobsFile(builder.Configuration.GetConnectionString("Jobs"), connectionString, builder.Environment.ContentRootPath);
            services.AddPooledDbContextFactory<AppDbContext>(o => o.UseSqlite(connectionString).AddInterceptors(new SqliteConnectionSetup()));
        }
        // Contexts come from a pool: a new context sets up its internal services on first use, which cost as much CPU as
        // a log query itself and was paid by every request (the bearer token's account check alone). A request's scoped
        // context goes back to the pool when the request ends, as does one from the factory when it is disposed.
        services.AddScoped<AppDbContext>(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
        services.AddSingleton(new DatabaseInfo(provider, connectionString, jobsPath));
        // Keys in the database under one application name: a cookie, an unsubscribe link or a stored provider secret
        // protected by one node is read by every other node of the same database.
        services.AddDataProtection()
            .SetApplicationName("CommsConsole")
            .PersistKeysToDbContext<AppDbContext>();
    }

    private sealed class BaseFactory<T>(IDbContextFactory<T> inner) : IDbContextFactory<AppDbContext> where T : AppDbContext
    {
        public AppDbContext CreateDbContext() => inner.CreateDbContext();
    }

    /// <summary>
    /// The file of Hangfire's jobs: <c>ConnectionStrings:Jobs</c>, or beside the app's database with <c>-jobs</c> before its
    /// extension (<c>commsconsole.db</c> → <c>commsconsole-jobs.db</c>), so that each app (each test's folder) has its own.
    /// A file of their own: their writes never wait for the app's, nor the app's for theirs.
    /// </summary>
    private static string JobsFile(string? configured, string databaseConnectionString, string contentRoot)
    {
        const string Example = "for example Data Source=commsconsole-jobs.db";
        var database = new SqliteConnectionStringBuilder(databaseConnectionString).DataSource;
        string jobs;
        if (string.IsNullOrWhiteSpace(configured))
        {
            if (!IsFile(database))
                throw new InvalidOperationException($"ConnectionStrings:DefaultConnection names no SQLite file to keep Hangfire's jobs beside; set ConnectionStrings:Jobs ({Example}).");
            var name = Path.GetFileNameWithoutExtension(database) + "-jobs" + Path.GetExtension(database);
            jobs = Path.Combine(Path.GetDirectoryName(database) ?? "", name);
        }
        else
        {
            try
            {
                jobs = new SqliteConnectionStringBuilder(configured).DataSource;
            }
            catch (ArgumentException ex)
            {
                throw new InvalidOperationException($"ConnectionStrings:Jobs is not a SQLite connection string ({Example}): {ex.Message}", ex);
            }
            if (!IsFile(jobs)) throw new InvalidOperationException($"ConnectionStrings:Jobs must name a SQLite file ({Example}).");
        }
        jobs = new SqliteConnectionStringBuilder(ResolveSqlitePath(new SqliteConnectionStringBuilder { DataSource = jobs }.ToString(), contentRoot)).DataSource;
        if (string.Equals(Path.GetFullPath(jobs), Path.GetFullPath(database), StringComparison.Ordinal))
            throw new InvalidOperationException($"ConnectionStrings:Jobs names the app's own database; Hangfire's jobs need a file of their own ({Example}).");
        return jobs;

        static bool IsFile(string dataSource) =>
            !string.IsNullOrWhiteSpace(dataSource) && dataSource != ":memory:" && !dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A relative SQLite file is placed under the content root, whatever the working directory.</summary>
    private static string ResolveSqlitePath(string connectionString, string contentRoot)
    {
        var csb = new SqliteConnectionStringBuilder(connectionString);
        if (!string.IsNullOrEmpty(csb.DataSource) && csb.DataSource != ":memory:" && !Path.IsPathRooted(csb.DataSource))
        {
            csb.DataSource = Path.Combine(contentRoot, csb.DataSource);
        }
        var dir = Path.GetDirectoryName(csb.DataSource);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        // Enough for a burst of concurrent writers (dispatch workers and requests) to queue rather than fail.
        csb.DefaultTimeout = Math.Max(csb.DefaultTimeout, 60);
        return csb.ToString();
    }

    /// <summary>
    /// Connections leave checkpointing to <see cref="CheckpointAsync"/>: otherwise whichever commit crosses
    /// SQLite's WAL threshold copies every page dispatch wrote back into the database, and that commit is often
    /// a bulk request waiting to answer. Nor does a writer cut the log file back when it starts the log again from its
    /// top (<c>journal_size_limit</c> -1): cutting a file of hundreds of megabytes takes tens of milliseconds, which every
    /// writer queued behind it would wait; the sweeper cuts it once the writers pause (<see cref="CheckpointAsync"/>).
    /// </summary>
    private sealed class SqliteConnectionSetup : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Setup(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
        {
            Setup(connection);
            return Task.CompletedTask;
        }

        private static void Setup(DbConnection connection)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=-1;";
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>Passive passes beside the writers at most before the one inside the write turn.</summary>
    private const int PassesBesideWriters = 4;

    /// <summary>
    /// Frames (pages) a pass beside the writers may copy and still be the last: about as many were written while it ran,
    /// and they are what the pass inside the write turn copies while every writer waits.
    /// </summary>
    private const long CheckpointRestInTurn = 2_000;

    /// <summary>Tries, a millisecond apart, to find no reader in the log when it is to start again inside the write turn.</summary>
    private const int TruncateTries = 5;

    /// <summary>
    /// Copies committed WAL pages into the database file in the background (the sweeper calls it), so that the log starts
    /// again from its top, and cuts the log file back once the writers pause.
    /// <para>
    /// A passive checkpoint copies what it can while writers go on, but SQLite starts the log again from its top only when
    /// a writer begins with every frame copied and no reader in the log, which a steady stream of writes never leaves: over
    /// a million-row drain the WAL grew to 6.7 GB. So passes run beside the writers, each copying what was written during
    /// the one before, until one finds little to copy; the last pass runs inside this process's write turn, where no writer
    /// adds a frame, copies the rest and, once no reader is still reading old frames (readers are short; it tries a few
    /// times), lets the next writer start the log again from its top. When no writer is waiting for the turn it also
    /// empties the log file (a truncating checkpoint); when writers are waiting the file is left as it is and reused
    /// (a restarting one): truncating a log of some 400 MB held every queued writer for 100–200 ms at each sweep under
    /// figure 6's load. A reader that outlasts the tries leaves the log to grow until the next sweep.
    /// </para>
    /// </summary>
    public static async Task CheckpointAsync(this AppDbContext db, CancellationToken ct)
    {
        if (!db.Database.IsSqlite()) return;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var copiedBefore = 0L;
            for (var pass = 0; pass < PassesBesideWriters; pass++)
            {
                var (_, log, copied) = await WalCheckpointAsync(db, "PASSIVE", ct);
                if (log <= 0) return;
                // The log may have started again from its top since the pass before.
                var thisPass = copied >= copiedBefore ? copied - copiedBefore : copied;
                if (thisPass <= CheckpointRestInTurn && log - copied <= CheckpointRestInTurn) break;
                copiedBefore = copied;
            }
            var turn = await SqliteWriteTurn.TakeAsync(db.Database, background: true, ct);
            try
            {
                var mode = turn?.WritersWaiting == true ? "RESTART" : "TRUNCATE";
                for (var tries = 1; ; tries++)
                {
                    var (busy, _, _) = await WalCheckpointAsync(db, mode, ct);
                    if (!busy || tries == TruncateTries) break;
                    await Task.Delay(TimeSpan.FromMilliseconds(1), ct);
                }
            }
            finally
            {
                turn?.Release();
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>One <c>wal_checkpoint</c>: whether readers kept it from finishing, the frames in the log and those copied.</summary>
    private static async Task<(bool Busy, long Log, long Copied)> WalCheckpointAsync(AppDbContext db, string mode, CancellationToken ct)
    {
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.CommandText = $"PRAGMA wal_checkpoint({mode});";
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        // Not in WAL mode: -1 frames in the log.
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0) != 0, reader.GetInt64(1), reader.GetInt64(2)) : (false, 0, 0);
    }

    /// <summary>WAL lets log queries read while dispatch writes; the setting is stored in the file.</summary>
    public static async Task ConfigureStorageAsync(this AppDbContext db)
    {
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
    }

    /// <summary>
    /// Runs <paramref name="work"/> (migrate and seed) with no other node doing the same at once. Several nodes may start
    /// together on an empty PostgreSQL database: a session-level advisory lock lets one migrate and seed while the others
    /// wait, then find the work done. SQLite serves one node, so it needs no lock.
    /// </summary>
    public static async Task WithStartupLockAsync(this AppDbContext db, Func<Task> work)
    {
        if (!db.Database.IsNpgsql())
        {
            await work();
            return;
        }
        var creator = db.GetService<Microsoft.EntityFrameworkCore.Storage.IRelationalDatabaseCreator>();
        if (!await creator.ExistsAsync())
        {
            try
            {
                await creator.CreateAsync();
            }
            catch (Npgsql.PostgresException ex) when (ex.SqlState == Npgsql.PostgresErrorCodes.DuplicateDatabase)
            {
                // Another node created it a moment ago.
            }
        }
        // A dedicated connection holds the lock: EF Core opens and closes its own while migrating.
        await using var connection = new Npgsql.NpgsqlConnection(db.Database.GetConnectionString());
        await connection.OpenAsync();
        await using (var take = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock({StartupLockKey})", connection))
        {
            await take.ExecuteNonQueryAsync();
        }
        try
        {
            await work();
        }
        finally
        {
            await using var release = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_unlock({StartupLockKey})", connection);
            await release.ExecuteNonQueryAsync();
        }
    }

    /// <summary>An arbitrary constant naming the start-up lock among PostgreSQL advisory locks of this database.</summary>
    private const long StartupLockKey = 0x436f6d6d73L; // "Comms"
}
