using System.Text;
using CsvHelper;

namespace CommsConsole.Features.Messaging;

/// <summary>One recipient as the user gave it: its line, what it normalizes to or why it is refused, and its own variables.</summary>
public sealed record RecipientEntry(int Line, string Raw, string? Normalized, ErrorText? Error, IReadOnlyDictionary<string, string> Variables)
{
    public bool IsValid => Normalized is not null;
}

/// <summary>A pasted or uploaded list of recipients, checked for the channel: valid ones (first occurrence), refused ones, duplicates.</summary>
public sealed record RecipientList(IReadOnlyList<RecipientEntry> Valid, IReadOnlyList<RecipientEntry> Invalid, int Duplicates, IReadOnlyList<string> Columns)
{
    public static readonly RecipientList Empty = new([], [], 0, []);

    /// <summary>The largest CSV file of recipients a send takes (rows are limited apart, by the caller's maximum).</summary>
    public const long MaxCsvBytes = 5 * 1024 * 1024;

    private static readonly string[] RecipientColumns = ["recipient", "phone", "mobile", "email", "to", "address", "手机", "手机号", "邮箱"];
    private static readonly char[] Separators = ['\n', ',', ';', '，', '；'];
    private static readonly IReadOnlyDictionary<string, string> NoVariables = new Dictionary<string, string>();

    /// <summary>Recipients pasted one per line or separated by commas or semicolons.</summary>
    public static RecipientList ParseText(string? text, Channel channel)
    {
        var entries = new List<(int, string, IReadOnlyDictionary<string, string>)>();
        var lines = (text ?? "").Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            foreach (var part in lines[i].Split(Separators[1..], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                entries.Add((i + 1, part, NoVariables));
            }
        }
        return Check(entries, channel, []);
    }

    /// <summary>
    /// A CSV file with a header: the recipient column (recipient, phone, mobile, email, to… or else the first column)
    /// and any other columns, which become that recipient's template variables.
    /// </summary>
    public static async Task<Result<RecipientList>> ParseCsvAsync(Stream csv, Channel channel, int maxRows, CancellationToken ct)
    {
        try
        {
            await using var reader = CsvReader.Create(csv, new CsvReaderOptions { HasHeader = true, TrimWhitespace = true, SkipEmptyLines = true, TrackLineNumbers = true }, leaveOpen: true);
            await reader.ReadHeaderAsync(ct);
            var headers = reader.Headers.Select(h => h.Trim().TrimStart('\uFEFF')).ToList();
            if (headers.Count == 0 || headers.All(string.IsNullOrEmpty)) return AppError.Validation("file: the CSV needs a header row naming its columns");
            var recipientIndex = headers.FindIndex(h => RecipientColumns.Contains(h, StringComparer.OrdinalIgnoreCase));
            if (recipientIndex < 0) recipientIndex = 0;
            var variableColumns = headers.Select((h, i) => (h, i)).Where(c => c.i != recipientIndex && c.h.Length > 0).ToList();

            var entries = new List<(int, string, IReadOnlyDictionary<string, string>)>();
            while (await reader.ReadAsync(ct))
            {
                if (entries.Count >= maxRows) return AppError.Validation($"file: more than {maxRows} rows; split the list into several sends");
                var variables = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (name, index) in variableColumns)
                {
                    variables[name] = index < reader.FieldCount ? reader.GetString(index) : "";
                }
                var raw = recipientIndex < reader.FieldCount ? reader.GetString(recipientIndex) : "";
                entries.Add(((int)reader.LineNumber, raw, variables));
            }
            return Check(entries, channel, variableColumns.Select(c => c.h).ToList());
        }
        catch (Exception ex) when (ex is CsvFormatException or InvalidOperationException or DecoderFallbackException)
        {
            return AppError.Validation($"file: not a readable CSV file ({ex.Message})");
        }
    }

    private static RecipientList Check(List<(int Line, string Raw, IReadOnlyDictionary<string, string> Variables)> entries, Channel channel, IReadOnlyList<string> columns)
    {
        var valid = new List<RecipientEntry>();
        var invalid = new List<RecipientEntry>();
        var recipients = new RecipientSet(channel);
        foreach (var (line, raw, variables) in entries)
        {
            if (recipients.Add(raw, out var error) is { } normalized) valid.Add(new RecipientEntry(line, raw, normalized, null, variables));
            else if (error is not null) invalid.Add(new RecipientEntry(line, raw, null, error, variables));
        }
        return new RecipientList(valid, invalid, recipients.Duplicates, columns);
    }
}
