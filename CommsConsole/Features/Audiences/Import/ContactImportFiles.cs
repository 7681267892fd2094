using System.Text.RegularExpressions;
using CommsConsole.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Audiences.Import;

/// <summary>
/// The uploaded files of imports, on this node's disk: <c>staged-{token}.csv</c> while the user maps the columns,
/// <c>import-{id}.csv</c> once started, removed when the import is done. The job runs on the node holding the file (a
/// queue of the node's own), so imports need no shared folder.
/// </summary>
public sealed partial class ContactImportFiles
{
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromDays(1);
    private readonly TimeProvider _clock;

    public ContactImportFiles(IOptions<ContactImportOptions> options, DatabaseInfo database, IWebHostEnvironment environment, TimeProvider clock)
    {
        _clock = clock;
        var folder = options.Value.Folder;
        if (string.IsNullOrWhiteSpace(folder))
        {
            var beside = database.IsPostgres ? null : Path.GetDirectoryName(new SqliteConnectionStringBuilder(database.ConnectionString).DataSource);
            folder = Path.Combine(string.IsNullOrEmpty(beside) ? Path.Combine(environment.ContentRootPath, "data") : beside, "imports");
        }
        else if (!Path.IsPathRooted(folder)) folder = Path.Combine(environment.ContentRootPath, folder);
        Folder = folder;
        Directory.CreateDirectory(Folder);
        Queue = "imports_" + NotQueueName().Replace(Environment.MachineName.ToLowerInvariant(), "_");
    }

    public string Folder { get; }

    /// <summary>The Hangfire queue of this node's imports (the node holding the file runs the job).</summary>
    public string Queue { get; }

    public string PathOf(string token) => Path.Combine(Folder, $"staged-{Token(token)}.csv");

    public string PathOf(long importId) => Path.Combine(Folder, $"import-{importId}.csv");

    public bool Exists(string token) => File.Exists(PathOf(token));

    public void Claim(string token, long importId) => File.Move(PathOf(token), PathOf(importId), overwrite: true);

    public void Delete(string token) => TryDelete(PathOf(token));

    public void Delete(long importId) => TryDelete(PathOf(importId));

    /// <summary>The imports whose files wait on this node (to start again after a restart).</summary>
    public IEnumerable<long> Waiting() =>
        Directory.EnumerateFiles(Folder, "import-*.csv")
            .Select(f => long.TryParse(Path.GetFileNameWithoutExtension(f)["import-".Length..], out var id) ? id : 0)
            .Where(id => id > 0);

    /// <summary>Removes files staged and never started (the user walked away from the mapping step).</summary>
    public void SweepAbandoned()
    {
        var before = _clock.GetUtcNow().UtcDateTime - AbandonedAfter;
        foreach (var file in Directory.EnumerateFiles(Folder, "staged-*.csv"))
        {
            if (File.GetLastWriteTimeUtc(file) < before) TryDelete(file);
        }
    }

    private static string Token(string token) =>
        token.Length == 32 && token.All(char.IsAsciiHexDigitLower) ? token : throw new ArgumentException("not an upload token", nameof(token));

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Still open somewhere: the next sweep or restart removes it.
        }
    }

    [GeneratedRegex("[^a-z0-9_]")]
    private static partial Regex NotQueueName();
}
