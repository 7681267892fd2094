using System.Globalization;
using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Tracking;

/// <summary>Messages (unique) and hits (total) of one kind.</summary>
public sealed record EngagementCount(int Unique, int Total)
{
    public static readonly EngagementCount None = new(0, 0);
}

/// <summary>A link people clicked in a batch: how many messages' readers clicked it, and how often.</summary>
public sealed record LinkClicks(string Url, int Unique, int Total);

/// <summary>People's opens and clicks in one hour (UTC, the hour's start).</summary>
public sealed record HourlyEngagement(DateTimeOffset Hour, int Opens, int Clicks);

/// <summary>
/// A batch's opens and clicks for its report: people's only in <see cref="Opened"/> and <see cref="Clicked"/>, hits flagged
/// automated (<see cref="AutomatedHits"/>) counted apart. Rates are of the messages that went out (sent or delivered).
/// </summary>
public sealed record BatchEngagement(
    long BatchId,
    int Sent,
    EngagementCount Opened,
    EngagementCount Clicked,
    EngagementCount AutomatedOpens,
    EngagementCount AutomatedClicks,
    IReadOnlyList<LinkClicks> TopLinks,
    IReadOnlyList<HourlyEngagement> ByHour)
{
    public double? OpenRate => Sent == 0 ? null : (double)Opened.Unique / Sent;
    public double? ClickRate => Sent == 0 ? null : (double)Clicked.Unique / Sent;
}

/// <summary>One message behind a number (who opened, who clicked): its recipient as the reader may see it, first hit and hits.</summary>
public sealed record EngagedMessage(long MessageId, string Recipient, DateTimeOffset FirstAt, int Total);

/// <summary>A message's own figures: people's first open and click and how many, and the automated hits apart.</summary>
public sealed record MessageEngagement(DateTimeOffset? FirstOpenedAt, int Opens, DateTimeOffset? FirstClickedAt, int Clicks, int AutomatedHits);

/// <summary>
/// Opens and clicks per batch and per message, from <see cref="MessageEvent"/>s. <see cref="ForBatchAsync(string, long, CancellationToken)"/>
/// is for other services that have scoped their caller already (a campaign's report); the rest scope by the caller's
/// reach over batches (<see cref="OwnedRecords.VisibleTo{T}"/>): another tenant's or user's batch is not found.
/// </summary>
public sealed class EngagementService(AppDbContext db)
{
    /// <summary>How many links the report lists.</summary>
    public const int TopLinkCount = 10;

    public async Task<Result<BatchEngagement>> ForBatchAsync(long batchId, Caller caller, CancellationToken ct)
    {
        var batch = await FindBatchAsync(batchId, caller, ct);
        if (batch is null) return AppError.NotFound($"no batch with id {batchId}");
        return await ForBatchAsync(batch.TenantId, batchId, ct);
    }

    /// <summary>A batch's figures, for a caller already allowed to read it; a batch of another tenant has none.</summary>
    public async Task<BatchEngagement> ForBatchAsync(string tenantId, long batchId, CancellationToken ct)
    {
        var sent = await db.Batches.AsNoTracking().Where(b => b.Id == batchId && b.TenantId == tenantId).Select(b => b.Sent + b.Delivered).FirstOrDefaultAsync(ct);
        var events = Events(tenantId, batchId);
        var counts = await events.GroupBy(e => new { e.Kind, e.Automated })
            .Select(g => new { g.Key.Kind, g.Key.Automated, Total = g.Count(), Unique = g.Select(e => e.MessageId).Distinct().Count() })
            .ToListAsync(ct);
        EngagementCount CountOf(EngagementKind kind, bool automated) =>
            counts.FirstOrDefault(c => c.Kind == kind && c.Automated == automated) is { } c ? new EngagementCount(c.Unique, c.Total) : EngagementCount.None;

        var top = await events.Where(e => e.Kind == EngagementKind.Click && !e.Automated && e.Url != null)
            .GroupBy(e => e.Url)
            .Select(g => new { Url = g.Key, Total = g.Count(), Unique = g.Select(e => e.MessageId).Distinct().Count() })
            .OrderByDescending(l => l.Unique).ThenByDescending(l => l.Total).ThenBy(l => l.Url)
            .Take(TopLinkCount).ToListAsync(ct);

        // Instants are stored as UTC ticks, so an hour is a whole division, grouped in the database on both providers.
        var hours = await db.Database.SqlQuery<HourRow>($"""
            SELECT "At" / {TimeSpan.TicksPerHour} AS "Hour", "Kind", COUNT(*) AS "Count"
            FROM "MessageEvents"
            WHERE "BatchId" = {batchId} AND "TenantId" = {tenantId} AND "Automated" = {false}
            GROUP BY 1, 2 -- by position: the hour's expression carries a parameter, and PostgreSQL does not match two of them
            """).ToListAsync(ct);
        var byHour = hours.GroupBy(h => h.Hour).OrderBy(g => g.Key)
            .Select(g => new HourlyEngagement(new DateTimeOffset(g.Key * TimeSpan.TicksPerHour, TimeSpan.Zero),
                (int)g.Where(h => h.Kind == (int)EngagementKind.Open).Sum(h => h.Count),
                (int)g.Where(h => h.Kind == (int)EngagementKind.Click).Sum(h => h.Count)))
            .ToList();

        return new BatchEngagement(batchId, sent,
            CountOf(EngagementKind.Open, false), CountOf(EngagementKind.Click, false), CountOf(EngagementKind.Open, true), CountOf(EngagementKind.Click, true),
            top.Select(l => new LinkClicks(l.Url!, l.Unique, l.Total)).ToList(), byHour);
    }

    /// <summary>The messages whose readers opened (or clicked; <paramref name="url"/>: that link), first hit first; people's hits only.</summary>
    public async Task<Result<Page<EngagedMessage>>> WhoAsync(long batchId, EngagementKind kind, string? url, Caller caller, int page, int pageSize, CancellationToken ct)
    {
        var batch = await FindBatchAsync(batchId, caller, ct);
        if (batch is null) return AppError.NotFound($"no batch with id {batchId}");
        page = Math.Max(1, page);
        pageSize = Math.Clamp(pageSize, 1, PageSizes.Max);
        var grouped = Engaged(batch.TenantId, batchId, kind, url);
        var total = await grouped.CountAsync(ct);
        var rows = await grouped.OrderBy(r => r.FirstAt).ThenBy(r => r.MessageId).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return new Page<EngagedMessage>(await WithRecipientsAsync(rows, caller, ct), page, pageSize, total);
    }

    /// <summary>Writes every message behind a number as CSV (message_id, recipient, first_at, total); not found as <see cref="WhoAsync"/>.</summary>
    public async Task<Result<int>> ExportAsync(long batchId, EngagementKind kind, string? url, Caller caller, Stream output, CancellationToken ct)
    {
        var batch = await FindBatchAsync(batchId, caller, ct);
        if (batch is null) return AppError.NotFound($"no batch with id {batchId}");
        var rows = await Engaged(batch.TenantId, batchId, kind, url).OrderBy(r => r.FirstAt).ThenBy(r => r.MessageId).ToListAsync(ct);
        await using var csv = SafeCsv.Create(output);
        csv.WriteHeader(ExportColumns);
        foreach (var chunk in rows.Chunk(500))
        {
            foreach (var m in await WithRecipientsAsync(chunk, caller, ct))
            {
                csv.WriteField("log_" + m.MessageId.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(m.Recipient);
                csv.WriteField(m.FirstAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                csv.WriteField(m.Total.ToString(CultureInfo.InvariantCulture));
                await csv.EndRecordAsync(ct);
            }
        }
        await csv.FlushAsync(ct);
        return rows.Count;
    }

    private static readonly string[] ExportColumns = ["message_id", "recipient", "first_at", "total"];

    /// <summary>A message's own opens and clicks, for a caller already allowed to read it.</summary>
    public async Task<MessageEngagement> ForMessageAsync(string tenantId, long messageId, CancellationToken ct)
    {
        var rows = await db.MessageEvents.AsNoTracking().Where(e => e.MessageId == messageId && e.TenantId == tenantId)
            .GroupBy(e => new { e.Kind, e.Automated })
            .Select(g => new { g.Key.Kind, g.Key.Automated, First = g.Min(e => e.At), Total = g.Count() })
            .ToListAsync(ct);
        var opens = rows.FirstOrDefault(r => r.Kind == EngagementKind.Open && !r.Automated);
        var clicks = rows.FirstOrDefault(r => r.Kind == EngagementKind.Click && !r.Automated);
        return new MessageEngagement(opens?.First, opens?.Total ?? 0, clicks?.First, clicks?.Total ?? 0, rows.Where(r => r.Automated).Sum(r => r.Total));
    }

    private Task<Batch?> FindBatchAsync(long batchId, Caller caller, CancellationToken ct) =>
        db.Batches.AsNoTracking().VisibleTo(caller).FirstOrDefaultAsync(b => b.Id == batchId, ct);

    private IQueryable<MessageEvent> Events(string tenantId, long batchId) =>
        db.MessageEvents.AsNoTracking().Where(e => e.BatchId == batchId && e.TenantId == tenantId);

    internal sealed class EngagedRow
    {
        public long MessageId { get; init; }
        public DateTimeOffset FirstAt { get; init; }
        public int Total { get; init; }
    }

    private IQueryable<EngagedRow> Engaged(string tenantId, long batchId, EngagementKind kind, string? url)
    {
        var q = Events(tenantId, batchId).Where(e => e.Kind == kind && !e.Automated);
        if (url is not null) q = q.Where(e => e.Url == url);
        return q.GroupBy(e => e.MessageId).Select(g => new EngagedRow { MessageId = g.Key, FirstAt = g.Min(e => e.At), Total = g.Count() });
    }

    /// <summary>Each row with its message's recipient, whole or masked as <see cref="Message.RecipientShownTo"/> says for this caller.</summary>
    private async Task<List<EngagedMessage>> WithRecipientsAsync(IReadOnlyCollection<EngagedRow> rows, Caller caller, CancellationToken ct)
    {
        var ids = rows.Select(r => r.MessageId).ToList();
        var messages = await db.Messages.AsNoTracking().Where(m => ids.Contains(m.Id))
            .Select(m => new { m.Id, m.TenantId, m.UserId, m.Recipient }).ToDictionaryAsync(m => m.Id, ct);
        return rows.Select(r =>
        {
            var shown = messages.TryGetValue(r.MessageId, out var m)
                ? new Message { TenantId = m.TenantId, UserId = m.UserId, Recipient = m.Recipient, Content = "" }.RecipientShownTo(caller)
                : "";
            return new EngagedMessage(r.MessageId, shown, r.FirstAt, r.Total);
        }).ToList();
    }

    internal sealed class HourRow
    {
        public long Hour { get; set; }
        public int Kind { get; set; }
        public long Count { get; set; }
    }
}
