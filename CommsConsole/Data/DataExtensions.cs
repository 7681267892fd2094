using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Data;

public sealed class DatabaseOptions
{
    public const string Section = "Database";
    /// <summary>Sqlite (the embedded default).</summary>
    public string Provider { get; set; } = "Sqlite";
}

public static class DataExtensions
{
    public const string DefaultSqlite = "Data Source=commsconsole.db";

    /// <summary>The database from configuration: <c>Database:Provider</c> and <c>ConnectionStrings:DefaultConnection</c>.</summary>
    public static void AddDataLayer(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = builder.Configuration.GetConnectionString("DefaultConnection") ?? DefaultSqlite;
        if (!options.Provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Database:Provider '{options.Provider}' is not supported; use Sqlite.");
        }
        var sqlite = ResolveSqlitePath(connectionString, builder.Environment.ContentRootPath);
        builder.Services.AddDbContextFactory<AppDbContext>(o => o.UseSqlite(sqlite).AddInterceptors(new SqliteConnectionSetup()));
        builder.Services.AddScoped<MessageStore>();
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
    /// a bulk request waiting to answer.
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
            cmd.CommandText = "PRAGMA wal_autocheckpoint=0;";
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>Copies committed WAL pages into the database file in the background (the sweeper calls it).</summary>
    public static async Task CheckpointAsync(this AppDbContext db, CancellationToken ct)
    {
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(PASSIVE);", ct);
    }

    /// <summary>WAL lets log queries read while dispatch writes; the setting is stored in the file.</summary>
    public static async Task ConfigureStorageAsync(this AppDbContext db)
    {
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
    }
}
