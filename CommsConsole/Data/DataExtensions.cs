using Microsoft.Data.Sqlite;
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
        builder.Services.AddDbContextFactory<AppDbContext>(o => o.UseSqlite(sqlite));
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

    /// <summary>WAL lets log queries read while dispatch writes; the setting is stored in the file.</summary>
    public static async Task ConfigureStorageAsync(this AppDbContext db)
    {
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
    }
}
