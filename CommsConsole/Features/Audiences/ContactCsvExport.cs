using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using CommsConsole.Data;
using CommsConsole.Features.Audit;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Audiences;

/// <summary>
/// The contacts a filter selects (a list, a tag, a search: the filter of the contacts page) as CSV, one column per
/// attribute key, safe to open in a spreadsheet (<see cref="SafeCsv"/>). Streamed twice over the database, never held:
/// once for the attribute keys (the header), once for the rows.
/// </summary>
public sealed class ContactCsvExport(ContactService contacts, AuditService audit)
{
    /// <summary>Most attribute columns; keys beyond these (in order) are left out rather than widening the file without end.</summary>
    public const int MaxAttributeColumns = 200;

    private static readonly string[] Fixed = ["id", "phone", "email", "name", "tags", "source", "created_at", "updated_at"];

    /// <summary>Checks the filter and returns the writer, or the error (a list of another tenant: 404) before anything is written.</summary>
    public async Task<Result<Func<Stream, CancellationToken, Task<int>>>> BeginAsync(ContactFilter filter, Caller caller, CancellationToken ct)
    {
        var filtered = await contacts.FilteredAsync(filter, caller, ct);
        if (!filtered.IsOk) return filtered.Error!;
        var query = filtered.Value!;
        // What was exported, not who: a search term may itself be a phone number or a name.
        var detail = string.Join(", ", new[]
        {
            filter.ListId is { } l ? "list " + l.ToString(CultureInfo.InvariantCulture) : null,
            string.IsNullOrWhiteSpace(filter.Tag) ? null : "a tag",
            string.IsNullOrWhiteSpace(filter.Search) ? null : "a search",
        }.OfType<string>());
        await audit.WriteAsync(caller, caller.TenantId, AuditService.ContactsExport, "contacts", detail.Length == 0 ? "all contacts" : detail, ct);
        return Result<Func<Stream, CancellationToken, Task<int>>>.Ok((output, token) => WriteAsync(query, output, token));
    }

    /// <summary>Checks the filter and writes the CSV to <paramref name="output"/>; returns how many contacts.</summary>
    public async Task<Result<int>> WriteCsvAsync(ContactFilter filter, Caller caller, Stream output, CancellationToken ct)
    {
        var begun = await BeginAsync(filter, caller, ct);
        return begun.IsOk ? await begun.Value!(output, ct) : begun.Error!;
    }

    private static async Task<int> WriteAsync(IQueryable<Contact> query, Stream response, CancellationToken ct)
    {
        // Through a pipe: whatever the CSV writer writes synchronously lands in memory (a response body refuses
        // synchronous writes), and reaches the response at the asynchronous flushes every few hundred rows.
        var pipe = PipeWriter.Create(response, new StreamPipeWriterOptions(leaveOpen: true));
        await using var output = pipe.AsStream(leaveOpen: true);
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var attributes in query.Select(c => c.Attributes).AsAsyncEnumerable().WithCancellation(ct))
        {
            if (attributes.Length <= 2) continue;
            using var doc = JsonDocument.Parse(attributes);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (keys.Count < MaxAttributeColumns || keys.Contains(p.Name)) keys.Add(p.Name);
            }
        }
        var columns = keys.ToList();

        var count = 0;
        await using (var csv = SafeCsv.Create(output))
        {
            csv.WriteHeader([.. Fixed, .. columns]);
            var rows = query.OrderBy(c => c.Id).Select(c => new { Contact = c, Tags = c.Tags.Select(t => t.Tag).ToList() });
            var values = new string[columns.Count];
            await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(ct))
            {
                var c = row.Contact;
                csv.WriteField(c.Id.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(c.Phone ?? "");
                csv.WriteField(c.Email ?? "");
                csv.WriteField(c.Name ?? "");
                csv.WriteField(string.Join(";", row.Tags.Order(StringComparer.Ordinal)));
                csv.WriteField(AudienceWire.ToWire(c.Source));
                csv.WriteField(c.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                csv.WriteField(c.UpdatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                Array.Fill(values, "");
                if (c.Attributes.Length > 2)
                {
                    using var doc = JsonDocument.Parse(c.Attributes);
                    foreach (var p in doc.RootElement.EnumerateObject())
                    {
                        var i = columns.BinarySearch(p.Name, StringComparer.Ordinal);
                        if (i >= 0) values[i] = Cell(p.Value);
                    }
                }
                foreach (var v in values) csv.WriteField(v);
                await csv.EndRecordAsync(ct);
                if (++count % 500 == 0)
                {
                    await csv.FlushAsync(ct);
                    await pipe.FlushAsync(ct);
                }
            }
            await csv.FlushAsync(ct);
        }
        await pipe.FlushAsync(ct);
        await pipe.CompleteAsync();
        return count;
    }

    private static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "",
        _ => value.GetRawText(),
    };
}
