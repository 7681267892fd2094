using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;

namespace CommsConsole.Features.Audiences.Import;

/// <summary>One good row of an import, normalised: what the writer stores.</summary>
public sealed record ImportRow(int Line, string? Phone, string? Email, string? Name, string? Attributes);

/// <summary>One bad row: its line in the file, why (English for the API, words and values for the console), and the row as read.</summary>
public sealed record BadRow(int Line, ErrorText Reason, string? Raw);

/// <summary>
/// Reading contacts from CSV, streamed: a row at a time, each checked on its own (a bad row is reported, never fatal),
/// with the same normalisation as every other way contacts come in (<see cref="ContactService.Addresses"/>).
/// </summary>
public static class ContactCsv
{
    /// <summary>The longest field read at all; a longer one ends the import at its line (it cannot be a contact's).</summary>
    public const int MaxField = 64 * 1024;
    private const int SniffBytes = 64 * 1024;

    /// <summary>Blank lines are not rows; a record may not outgrow <see cref="MaxField"/> (a hostile unclosed quote).</summary>
    public static CsvReaderOptions Options => new()
    {
        HasHeader = true,
        SkipEmptyLines = true,
        TrackLineNumbers = true,
        MaxRecordSize = MaxField,
        MalformedData = CsvMalformedDataHandling.Recover,
        FieldCountMismatch = CsvFieldCountHandling.Allow,
    };

    public static CsvReader Open(string path) => CsvReader.Create(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024), Options, leaveOpen: false);

    /// <summary>
    /// The header of a staged file, refusing what is not a CSV of contacts: empty, binary, not UTF-8 text, no header, or a
    /// header with no row after it.
    /// </summary>
    public static Result<IReadOnlyList<string>> ReadHeader(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length == 0) return AppError.Validation("file: the file is empty");
        try
        {
            using (var sniff = File.OpenRead(path))
            {
                var buffer = new byte[(int)Math.Min(SniffBytes, info.Length)];
                sniff.ReadExactly(buffer);
                if (Array.IndexOf(buffer, (byte)0) >= 0) return AppError.Validation("file: not a CSV text file (it holds binary data)");
            }
            using var reader = Open(path);
            var header = reader.Headers.Select((h, i) => (i == 0 ? h.TrimStart('\uFEFF') : h).Trim()).ToList();
            if (header.All(h => h.Length == 0)) return AppError.Validation("file: the first line must name the columns");
            if (header.Count > ContactImportMapping.MaxColumns) return AppError.Validation($"file: at most {ContactImportMapping.MaxColumns} columns");
            var duplicate = header.Where(h => h.Length > 0).GroupBy(h => h).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) return AppError.Validation($"file: the column '{Phones.Echo(duplicate.Key)}' is named twice in the first line");
            if (!reader.Read()) return AppError.Validation("file: no rows after the header line");
            return header;
        }
        catch (CsvFormatException)
        {
            return AppError.Validation("file: not a readable CSV text file");
        }
    }

    /// <summary>The row at the parser's position, checked and normalised; or why it is bad.</summary>
    public static (ImportRow? Row, BadRow? Bad) Read(CsvReader parser, ResolvedMapping m)
    {
        var line = (int)parser.LineNumber;
        if (parser.FieldCount > m.Columns) return (null, Bad(parser, line, ErrorText.Of($"{parser.FieldCount} columns where the header has {m.Columns}")));
        string? Field(int at) => at >= 0 && at < parser.FieldCount ? parser.GetString(at) : null;

        var addresses = ContactService.Addresses(Field(m.Phone), Field(m.Email), requireAddress: true);
        if (!addresses.IsOk) return (null, Bad(parser, line, addresses.Error!.Text));
        var (phone, email) = addresses.Value;

        var name = Field(m.Name);
        if (string.IsNullOrWhiteSpace(name)) name = null;
        else
        {
            if (ContactService.NameError(name) is { } error) return (null, Bad(parser, line, error.Text));
            if (LooksLikeFormula(name)) return (null, Bad(parser, line, ErrorText.Of("name: looks like a spreadsheet formula")));
            name = name.Trim();
        }

        string? attributes = null;
        if (m.Attributes.Count > 0)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                var any = false;
                foreach (var (column, key) in m.Attributes)
                {
                    var value = Field(column);
                    if (string.IsNullOrWhiteSpace(value)) continue;
                    if (value.Length > ContactAttributes.MaxValue)
                        return (null, Bad(parser, line, ErrorText.Of($"attributes: '{Phones.Echo(key)}' is longer than {ContactAttributes.MaxValue} characters")));
                    if (LooksLikeFormula(value)) return (null, Bad(parser, line, ErrorText.Of($"attributes: '{Phones.Echo(key)}' looks like a spreadsheet formula")));
                    if (value.Any(char.IsControl)) return (null, Bad(parser, line, ErrorText.Of($"attributes: '{Phones.Echo(key)}' holds control characters")));
                    w.WriteString(key, value.Trim());
                    any = true;
                }
                w.WriteEndObject();
                w.Flush();
                if (any) attributes = Encoding.UTF8.GetString(buffer.WrittenSpan);
            }
        }
        return (new ImportRow(line, phone, email, name, attributes), null);
    }

    /// <summary>
    /// A cell a spreadsheet would run as a formula when the contacts are exported and opened again: refused on the way in
    /// (numbers with a sign, such as -5 or +3.5, are fine).
    /// </summary>
    public static bool LooksLikeFormula(string value)
    {
        var s = value.TrimStart();
        if (s.Length == 0) return false;
        return s[0] switch
        {
            '=' or '@' or '\t' or '\r' or '\uFF1D' => true,
            '+' or '-' => !decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            _ => false,
        };
    }

    public static BadRow Bad(CsvReader parser, int line, ErrorText reason) => new(line, reason, Raw(parser));

    /// <summary>The row as it stands in the file (cut short), for the report.</summary>
    public static string Raw(CsvReader parser)
    {
        var raw = Encoding.UTF8.GetString(parser.RawRecord);
        return raw.Length > Data.ContactImportError.MaxRaw ? raw[..Data.ContactImportError.MaxRaw] : raw;
    }
}
