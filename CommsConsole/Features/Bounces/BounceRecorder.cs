using CommsConsole.Data;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Bounces;

/// <summary>A bounce of one message as it was learned: the tenant it was learned for, the message and the recipient it names.</summary>
/// <param name="MessageIdHeader">
/// The Message-ID the report quotes (as the SMTP provider wrote it, without angle brackets): when given, it must be the one
/// stored for the message, so that a report cannot name a message by its row id alone.
/// </param>
public sealed record BounceReport(string TenantId, long MessageId, string Recipient, BounceKind Kind, string? Status, string? Reason, BounceSource Source,
    string? MessageIdHeader = null);

public enum BounceOutcome { Recorded, AlreadyRecorded, Delivered, NotOurs }

/// <summary>
/// Records bounces and their effects, whichever way they were learned (the SMTP conversation, a delivery status
/// notification): the <see cref="Bounce"/> row (one of each kind per message), a hard bounce failing its message through
/// the ledger's delivery-report transition (sent → failed, batch counts with it) and suppressing the address through
/// <see cref="SuppressionService"/> (reason <c>bounce</c>); soft bounces suppress once the address has had the tenant's
/// limit of them in a row. Every step is idempotent, so a report applied twice (two mailbox reads, a retry after a crash)
/// has the effect of one.
/// </summary>
public sealed class BounceRecorder(AppDbContext db, MessageLedger ledger, SuppressionService suppressions, IOptions<BounceOptions> options,
    TimeProvider clock, ILogger<BounceRecorder> logger)
{
    /// <summary>Who the opt-out list names as having added a bounce's suppression.</summary>
    public const string SuppressedBy = "bounce";

    /// <summary>Recipients refused (hard) or deferred (soft) in dispatch's SMTP conversation; a failure to record one is logged, never thrown into dispatch.</summary>
    public async Task RecordRefusalsAsync(IReadOnlyList<(Message Message, RecipientRefusal Refusal)> refusals, CancellationToken ct)
    {
        foreach (var (m, refusal) in refusals)
        {
            if (m.Channel != Channel.Email) continue;
            try
            {
                await RecordAsync(new BounceReport(m.TenantId, m.Id, m.Recipient, refusal.Permanent ? BounceKind.Hard : BounceKind.Soft,
                    refusal.EnhancedStatus ?? refusal.ReplyCode.ToString(System.Globalization.CultureInfo.InvariantCulture), refusal.Text, BounceSource.Smtp), ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Could not record the SMTP refusal of message {MessageId}", m.Id);
            }
        }
    }

    /// <summary>
    /// Records a bounce of a message of <see cref="BounceReport.TenantId"/> to <see cref="BounceReport.Recipient"/>; a
    /// message of another tenant, of another recipient, not an email or not there is <see cref="BounceOutcome.NotOurs"/>
    /// and changes nothing.
    /// </summary>
    public async Task<BounceOutcome> RecordAsync(BounceReport report, CancellationToken ct)
    {
        if (await FindAsync(report.TenantId, report.MessageId, report.Recipient, report.MessageIdHeader, ct) is not { } m) return BounceOutcome.NotOurs;

        var address = m.Recipient.ToLowerInvariant();
        var status = Cut(report.Status, Bounce.MaxStatus);
        var reason = Cut(report.Reason, Bounce.MaxReason);
        var now = clock.GetUtcNow();
        var (kind, source, at) = ((int)report.Kind, (int)report.Source, now.UtcTicks);
        int inserted;
        await using (var tx = await WriteTransaction.BeginBackgroundAsync(db.Database, ct))
        {
            inserted = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "Bounces" ("TenantId","UserId","MessageId","BatchId","Recipient","Kind","Status","Reason","Source","At")
                VALUES ({m.TenantId},{m.UserId},{m.Id},{m.BatchId},{address},{kind},{status},{reason},{source},{at})
                ON CONFLICT ("MessageId","Kind") DO NOTHING
                """, ct);
            if (report.Kind == BounceKind.Hard)
                await ledger.DroppedAsync(m.Id, m.BatchId, Cut($"bounced ({status}): {reason}", SendResult.MaxResponseLength)!, now, ct);
            await tx.CommitAsync(ct);
        }

        if (report.Kind == BounceKind.Hard)
        {
            await suppressions.AddAsync(m.TenantId, Channel.Email, address, SuppressionReason.Bounce,
                Cut($"hard bounce ({status}): {reason}", Suppression.MaxNote), SuppressedBy, ct);
        }
        else
        {
            var limit = await SoftBounceLimitAsync(m.TenantId, ct);
            var streak = await SoftStreakAsync(m.TenantId, m.Recipient, address, limit, ct);
            if (streak >= limit)
                await suppressions.AddAsync(m.TenantId, Channel.Email, address, SuppressionReason.Bounce, $"{streak} soft bounces in a row", SuppressedBy, ct);
        }
        if (inserted > 0) logger.LogInformation("Recorded a {Kind} bounce of message {MessageId} ({Source})", report.Kind, m.Id, report.Source);
        return inserted > 0 ? BounceOutcome.Recorded : BounceOutcome.AlreadyRecorded;
    }

    /// <summary>
    /// A delivery status notification confirmed the message's delivery (sent → delivered, through the ledger's
    /// delivery-report transition); under the same checks as a bounce. A delivery ends a streak of soft bounces.
    /// </summary>
    public async Task<BounceOutcome> DeliveredAsync(string tenantId, long messageId, string recipient, string? messageIdHeader, CancellationToken ct)
    {
        if (await FindAsync(tenantId, messageId, recipient, messageIdHeader, ct) is not { } m) return BounceOutcome.NotOurs;
        var now = clock.GetUtcNow();
        await ledger.DeliveredAsync(m.Id, m.BatchId, now, now, ct);
        return BounceOutcome.Delivered;
    }

    private sealed record Found(long Id, string TenantId, string UserId, long BatchId, string Recipient);

    /// <summary>The tenant's email message to the recipient (and with the Message-ID, when one is given), or null.</summary>
    private async Task<Found?> FindAsync(string tenantId, long messageId, string recipient, string? messageIdHeader, CancellationToken ct)
    {
        var stored = messageIdHeader is null ? null : "<" + messageIdHeader.Trim().Trim('<', '>') + ">";
        var m = await db.Messages.AsNoTracking()
            .Where(x => x.Id == messageId && x.TenantId == tenantId && x.Channel == Channel.Email)
            .Select(x => new { Found = new Found(x.Id, x.TenantId, x.UserId, x.BatchId, x.Recipient), x.ThirdPartyId })
            .FirstOrDefaultAsync(ct);
        if (m is null || m.Found.Recipient == MessageLedger.ErasedMarker) return null;
        if (!string.Equals(m.Found.Recipient, recipient.Trim(), StringComparison.OrdinalIgnoreCase)) return null;
        if (stored is not null && !string.Equals(m.ThirdPartyId, stored, StringComparison.Ordinal)) return null;
        return m.Found;
    }

    /// <summary>The tenant's soft bounce limit, else the installation's.</summary>
    public async Task<int> SoftBounceLimitAsync(string tenantId, CancellationToken ct) =>
        await db.BounceSettings.AsNoTracking().Where(s => s.TenantId == tenantId).Select(s => s.SoftBounceLimit).FirstOrDefaultAsync(ct)
            ?? Math.Max(1, options.Value.SoftBounceLimit);

    /// <summary>
    /// How many of the latest messages to the address (up to <paramref name="limit"/>) soft bounced one after another: from
    /// the newest back, until a message that went through (sent or delivered with no soft bounce, or delivered after one).
    /// Messages that never went out (pending, suppressed, cancelled) or failed without a bounce say nothing about the
    /// address and are passed over. Judged by send order, not by the order reports arrive in, so the last report of a
    /// streak to arrive finds the whole streak.
    /// </summary>
    private async Task<int> SoftStreakAsync(string tenantId, string recipient, string address, int limit, CancellationToken ct)
    {
        var soft = db.Bounces.Where(b => b.TenantId == tenantId && b.Recipient == address && b.Kind == BounceKind.Soft).Select(b => b.MessageId);
        var latest = await db.Messages.AsNoTracking()
            .Where(x => (x.Recipient == recipient || x.Recipient == address) && x.TenantId == tenantId && x.Channel == Channel.Email
                && (x.Status == MessageStatus.Sent || x.Status == MessageStatus.Delivered || soft.Contains(x.Id)))
            .OrderByDescending(x => x.Id)
            .Select(x => new { x.Status, Soft = soft.Contains(x.Id) })
            .Take(limit)
            .ToListAsync(ct);
        return latest.TakeWhile(x => x.Soft && x.Status != MessageStatus.Delivered).Count();
    }

    private static string? Cut(string? text, int max)
    {
        if (text is null) return null;
        text = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        if (text.Length == 0) return null;
        if (text.Length <= max) return text;
        var end = max - 1;
        if (char.IsHighSurrogate(text[end - 1])) end--;
        return text[..end] + "…";
    }
}
