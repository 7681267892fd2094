using Microsoft.Data.Sqlite;

namespace CommsConsole.Tests.Reliability;

/// <summary>
/// Reads the messages of an app process's SQLite file directly and read-only, while the app runs or after it was killed:
/// the tests of killed processes judge what was sent by the rows, not by what a dying app answered.
/// </summary>
internal static class MessagesFile
{
    private static readonly string[] StatusNames = ["pending", "sending", "sent", "delivered", "failed", "cancelled"];

    /// <summary>How many messages are in each status (by the status's stored number).</summary>
    public static Dictionary<int, int> Counts(string database)
    {
        using var connection = Open(database);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Status, COUNT(*) FROM Messages GROUP BY Status";
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<int, int>();
        while (reader.Read()) counts[reader.GetInt32(0)] = reader.GetInt32(1);
        return counts;
    }

    /// <summary>Messages still pending or sending.</summary>
    public static int Unsettled(Dictionary<int, int> counts) => counts.GetValueOrDefault(0) + counts.GetValueOrDefault(1);

    public static string Describe(Dictionary<int, int> counts) =>
        string.Join(", ", StatusNames.Select((name, i) => $"{counts.GetValueOrDefault(i)} {name}"));

    public static HashSet<long> MessageIds(string database) => Ids(database, "SELECT Id FROM Messages");

    /// <summary>The messages leased to a worker at this moment (sending).</summary>
    public static HashSet<long> Sending(string database) => Ids(database, "SELECT Id FROM Messages WHERE Status = 1");

    private static HashSet<long> Ids(string database, string sql)
    {
        using var connection = Open(database);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var ids = new HashSet<long>();
        while (reader.Read()) ids.Add(reader.GetInt64(0));
        return ids;
    }

    /// <summary>The message ids a simulated provider recorded as sent, one line each, in the order it sent them.</summary>
    public static List<long> Received(params string[] records) =>
        records.Where(File.Exists).SelectMany(File.ReadAllLines).Where(l => l.Length > 0).Select(long.Parse).ToList();

    private static SqliteConnection Open(string database)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var busy = connection.CreateCommand();
        busy.CommandText = "PRAGMA busy_timeout = 5000";
        busy.ExecuteNonQuery();
        return connection;
    }
}
