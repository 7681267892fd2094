using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Bounces;

/// <summary>
/// A batch's bounces in messages: hard (bounced permanently), soft (only deferred, never hard) and bounced (either), each
/// message counted once however many reports came for it.
/// </summary>
public sealed record BounceFigures(long BatchId, int Hard, int Soft)
{
    public int Bounced => Hard + Soft;
}

/// <summary>One bounce as a reader may see it: the recipient masked unless the reader sent the message or is an Admin.</summary>
public sealed record BounceView(long Id, long MessageId, long BatchId, string Recipient, BounceKind Kind, string? Status, string? Reason, BounceSource Source,
    DateTimeOffset At);

public sealed record BouncePage(BounceFigures? Figures, Page<BounceView> Page);

/// <summary>Bounces per message and batch, read under the same scoping as the messages they are of.</summary>
public sealed class BounceService(AppDbContext db)
{
    /// <summary>
    /// A batch's figures, for whoever already decided the caller may read the batch (the campaign report); the console and
    /// the API go through <see cref="ListAsync"/>.
    /// </summary>
    public async Task<BounceFigures> FiguresAsync(long batchId, CancellationToken ct)
    {
        var bounces = db.Bounces.AsNoTracking().Where(b => b.BatchId == batchId);
        var hard = await bounces.CountAsync(b => b.Kind == BounceKind.Hard, ct);
        var soft = await bounces.CountAsync(b => b.Kind == BounceKind.Soft
            && !db.Bounces.Any(h => h.MessageId == b.MessageId && h.Kind == BounceKind.Hard), ct);
        return new BounceFigures(batchId, hard, soft);
    }

    /// <summary>
    /// The messages behind a batch's figures (of one kind, or all), newest first, for whoever already decided the caller
    /// may read the batch; a message that bounced soft and then hard is listed under hard only.
    /// </summary>
    public IQueryable<Bounce> Of(long batchId, BounceKind? kind)
    {
        var q = db.Bounces.AsNoTracking().Where(b => b.BatchId == batchId);
        return kind switch
        {
            BounceKind.Hard => q.Where(b => b.Kind == BounceKind.Hard),
            BounceKind.Soft => q.Where(b => b.Kind == BounceKind.Soft && !db.Bounces.Any(h => h.MessageId == b.MessageId && h.Kind == BounceKind.Hard)),
            _ => q,
        };
    }

    /// <summary>
    /// The bounces the caller may read, newest first; of one batch (with its figures) when <paramref name="batchId"/> is
    /// given. A batch the caller may not read answers 404, as a missing one.
    /// </summary>
    public async Task<Result<BouncePage>> ListAsync(Caller caller, long? batchId, BounceKind? kind, int page, int pageSize, CancellationToken ct)
    {
        page = Math.Max(1, page);
        pageSize = Math.Clamp(pageSize, 1, PageSizes.Max);
        BounceFigures? figures = null;
        IQueryable<Bounce> q;
        if (batchId is { } id)
        {
            if (!await db.Batches.AsNoTracking().VisibleTo(caller).AnyAsync(b => b.Id == id, ct)) return AppError.NotFound($"batch_id: no batch with id {id}");
            figures = await FiguresAsync(id, ct);
            q = Of(id, kind).VisibleTo(caller);
        }
        else
        {
            q = db.Bounces.AsNoTracking().VisibleTo(caller);
            if (kind is { } k) q = q.Where(b => b.Kind == k);
        }
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(b => b.Id).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        var items = rows.Select(b => new BounceView(b.Id, b.MessageId, b.BatchId,
            caller.IsAdmin || b.UserId == caller.UserId ? b.Recipient : RecipientMask.Mask(b.Recipient),
            b.Kind, b.Status, b.Reason, b.Source, b.At)).ToList();
        return new BouncePage(figures, new Page<BounceView>(items, page, pageSize, total));
    }
}
