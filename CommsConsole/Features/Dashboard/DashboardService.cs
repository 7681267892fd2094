using CommsConsole.Data;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Dashboard;

public sealed record DailyCount(DateOnly Day, Channel Channel, MessageStatus Status, int Count, decimal Cost);

public sealed record DashboardSummary(
    IReadOnlyList<DailyCount> Days,
    int Total,
    int Succeeded,
    int Failed,
    decimal Cost,
    IReadOnlyList<Message> LatestFailures)
{
    /// <summary>Share of finished messages that were sent or delivered (0–1); null before anything finished.</summary>
    public double? SuccessRate => Succeeded + Failed == 0 ? null : (double)Succeeded / (Succeeded + Failed);
}

/// <summary>What the dashboard shows: messages per day by channel and status, success, cost and the latest failures.</summary>
public sealed class DashboardService(AppDbContext db, MessagingService messaging, TimeProvider clock)
{
    private sealed record Row(long Day, int Channel, int Status, int Count, double Cost);

    public async Task<DashboardSummary> GetAsync(Caller caller, int days, CancellationToken ct)
    {
        days = Math.Clamp(days, 1, 366);
        var today = clock.GetUtcNow().UtcDateTime.Date;
        var from = new DateTimeOffset(today.AddDays(-(days - 1)), TimeSpan.Zero).UtcTicks;
        var scope = (int)caller.Reach; // All 0, Tenant 1, Own 2: the SQL below is OwnedRecords.VisibleTo's rule

        // Grouping by day needs arithmetic on the stored ticks, which LINQ cannot express over a converted column;
        // the SQL is plain enough to run on SQLite and PostgreSQL alike.
        var fromDay = from / TimeSpan.TicksPerDay;
        // Messages purged by retention live on as anonymised daily counts; both add up here.
        var rows = await db.Database.SqlQuery<Row>($"""
            SELECT "Day", "Channel", "Status", SUM("Count") AS "Count", SUM("Cost") AS "Cost" FROM (
              SELECT "CreatedAt" / {TimeSpan.TicksPerDay} AS "Day", "Channel", "Status", COUNT(*) AS "Count",
                     COALESCE(SUM(CAST("Cost" AS NUMERIC)), 0) AS "Cost"
              FROM "Messages"
              WHERE "CreatedAt" >= {from}
                AND ({scope} = 0 OR "TenantId" = {caller.TenantId})
                AND ({scope} < 2 OR "UserId" = {caller.UserId})
              GROUP BY 1, 2, 3 -- by position: the day expression carries a parameter, and PostgreSQL does not match two of them
              UNION ALL
              SELECT "Day", "Channel", "Status", "Count", "Cost"
              FROM "MessageDailyCounts"
              WHERE "Day" >= {fromDay}
                AND ({scope} = 0 OR "TenantId" = {caller.TenantId})
                AND ({scope} < 2 OR "UserId" = {caller.UserId})
            ) AS "All"
            GROUP BY "Day", "Channel", "Status"
            """).ToListAsync(ct);

        var counts = rows.Select(r => new DailyCount(DateOnly.FromDateTime(new DateTime(r.Day * TimeSpan.TicksPerDay, DateTimeKind.Utc)),
            (Channel)r.Channel, (MessageStatus)r.Status, r.Count, Math.Round((decimal)r.Cost, 4))).OrderBy(c => c.Day).ToList();
        var latestFailures = await messaging.Visible(caller).Where(m => m.Status == MessageStatus.Failed)
            .OrderByDescending(m => m.UpdatedAt).ThenByDescending(m => m.Id).Take(10).ToListAsync(ct);
        return new DashboardSummary(counts, counts.Sum(c => c.Count),
            counts.Where(c => c.Status.Succeeded()).Sum(c => c.Count),
            counts.Where(c => c.Status == MessageStatus.Failed).Sum(c => c.Count),
            counts.Sum(c => c.Cost), latestFailures);
    }
}
