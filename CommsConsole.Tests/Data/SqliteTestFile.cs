using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Data;

/// <summary>
/// A SQLite file of a test's own in the temporary folder, opened as the app's context without the app around it
/// (no migrations, no connection set-up); deleted with its WAL and shared-memory files afterwards.
/// </summary>
public sealed class SqliteTestFile(string name) : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"commsconsole-{name}-{Guid.NewGuid().ToString("N")[..8]}.db");

    public AppDbContext Context() => new(new DbContextOptionsBuilder<AppDbContext>().UseSqlite($"Data Source={Path}").Options);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in new[] { Path, Path + "-wal", Path + "-shm" }) File.Delete(f);
    }
}
