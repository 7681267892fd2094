using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Tracking;

/// <summary>
/// Records an open or a click named by a valid token: one read of the message by its key, then, in one write transaction,
/// the hit (flagged when <see cref="AutomatedHits"/> says a machine). A message that is gone (purged), erased or not a
/// tracked HTML email, and a position its own content has no link at, record nothing and answer null: the caller then
/// answers 404, the same as for a token that is not ours.
/// </summary>
public sealed class EngagementRecorder(AppDbContext db, TrackingLinks links, TimeProvider clock, IOptions<TrackingOptions> options)
{
    /// <summary>Records an open; false when there is nothing to record it against.</summary>
    public async Task<bool> OpenAsync(TrackingTarget target, string? userAgent, bool head, CancellationToken ct)
    {
        var message = await FindAsync(target.MessageId, ct);
        if (message is null || target.Position != 0) return false;
        await RecordAsync(message, EngagementKind.Open, null, null, userAgent, head, ct);
        return true;
    }

    /// <summary>Records a click and answers where its link leads (in the message's own content), or null.</summary>
    public async Task<string?> ClickAsync(TrackingTarget target, string? userAgent, bool head, CancellationToken ct)
    {
        var message = await FindAsync(target.MessageId, ct);
        if (message is null) return null;
        var found = TrackedHtml.Links(message.Content, links.BaseUrl);
        if (target.Position >= found.Count) return null;
        var url = found[target.Position];
        if (TrackedHtml.Location(url) is not { } location) return null;
        await RecordAsync(message, EngagementKind.Click, target.Position, url, userAgent, head, ct);
        return location;
    }

    private sealed record Tracked(long Id, string TenantId, long BatchId, string Content, DateTimeOffset? SentAt);

    private async Task<Tracked?> FindAsync(long messageId, CancellationToken ct)
    {
        var m = await db.Messages.AsNoTracking().Where(m => m.Id == messageId)
            .Select(m => new { m.Id, m.TenantId, m.BatchId, m.Channel, m.IsHtml, m.Content, m.SentAt }).FirstOrDefaultAsync(ct);
        // An erased message keeps its row with its content replaced: it has no links left to lead to.
        if (m is null || m.Channel != Channel.Email || !m.IsHtml || m.Content == Messaging.MessageLedger.ErasedMarker) return null;
        return new Tracked(m.Id, m.TenantId, m.BatchId, m.Content, m.SentAt);
    }

    private async Task RecordAsync(Tracked message, EngagementKind kind, int? position, string? url, string? userAgent, bool head, CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var automated = head || AutomatedHits.IsAutomatedAgent(userAgent, o.AutomatedUserAgents) || AutomatedHits.TooSoon(message.SentAt, now, o.PrefetchSeconds);
        await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        if (db.Database.IsNpgsql())
        {
            // Hits on one message take turns, so that a burst is seen whole by its last hit however many arrive at once.
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"message-events\n" + message.Id}, 0))", ct);
        }
        var burstFrom = now.AddSeconds(-o.BurstSeconds);
        var burst = o.BurstHits > 0
            && await db.MessageEvents.CountAsync(e => e.MessageId == message.Id && e.At >= burstFrom, ct) + 1 >= o.BurstHits;
        db.MessageEvents.Add(new MessageEvent
        {
            TenantId = message.TenantId, MessageId = message.Id, BatchId = message.BatchId, Kind = kind, LinkPosition = position,
            Url = url, At = now, Automated = automated || burst, UserAgent = AutomatedHits.Trim(userAgent),
        });
        await db.SaveChangesAsync(ct);
        if (burst)
        {
            await db.MessageEvents.Where(e => e.MessageId == message.Id && e.At >= burstFrom && !e.Automated)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.Automated, true), ct);
        }
        await tx.CommitAsync(ct);
    }
}
