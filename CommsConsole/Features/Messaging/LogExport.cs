using System.Globalization;
using CommsConsole.Features.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Messaging;

/// <summary>Writes the messages a log filter selects as CSV, safe to open in a spreadsheet.</summary>
public sealed class LogExport(MessagingService messaging)
{
    public const int MaxRows = 100_000;

    public async Task<Result<int>> WriteCsvAsync(LogFilter filter, Caller caller, Stream output, CancellationToken ct)
    {
        // The same filter and order as the log grid, streamed in full rather than one page.
        if (MessagingService.ValidateFilter(filter, caller) is { } error) return error;
        var query = MessagingService.Sorted(messaging.Filtered(filter, caller), filter);

        await using var csv = SafeCsv.Create(output);
        csv.WriteHeader(Columns);
        var showFull = caller.IsAdmin;
        var count = 0;
        await foreach (var m in query.Take(MaxRows).AsAsyncEnumerable().WithCancellation(ct))
        {
            csv.WriteField("log_" + m.Id);
            csv.WriteField(m.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            csv.WriteField(m.Channel.ToWire());
            csv.WriteField(m.Status.ToWire());
            csv.WriteField(showFull ? m.Recipient : RecipientMask.Mask(m.Recipient));
            csv.WriteField(m.Subject ?? "");
            csv.WriteField(m.Content);
            csv.WriteField(m.Provider ?? "");
            csv.WriteField(m.Error ?? "");
            csv.WriteField(m.RetryCount.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(m.Segments.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(m.Cost.ToString("0.00##", CultureInfo.InvariantCulture));
            csv.WriteField(m.SentAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "");
            csv.WriteField(m.UserId);
            csv.WriteField(m.BatchId.ToString(CultureInfo.InvariantCulture));
            await csv.EndRecordAsync(ct);
            count++;
        }
        await csv.FlushAsync(ct);
        return count;
    }

    private static readonly string[] Columns =
        ["id", "created_at", "channel", "status", "recipient", "subject", "content", "provider", "error", "retry_count", "segments", "cost", "sent_at", "user_id", "batch_id"];
}
