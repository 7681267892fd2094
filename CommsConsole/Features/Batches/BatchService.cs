using CommsConsole.Data;
using CommsConsole.Features.Dispatch;
using CommsConsole.Features.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Batches;

public sealed record ResendResult(int Requeued, int Skipped);

/// <summary>What "resend failed" would do: how many messages go again (within their retry limit) and what they would cost.</summary>
public sealed record ResendEstimate(int Retryable, int Exhausted, int Segments, decimal EstimatedCost);

/// <summary>Batches (one per bulk request or campaign): listing, progress, cancelling and resending, under the same scoping as messages.</summary>
public sealed class BatchService(AppDbContext db, MessageLedger ledger, DispatchQueue dispatch, TimeProvider clock, IOptions<DispatchOptions> options,
    Providers.IProviderResolver providers, Compliance.SendRateLimit rateLimit)
{
    public IQueryable<Batch> Visible(Caller caller) => db.Batches.AsNoTracking().VisibleTo(caller);

    public async Task<Page<Batch>> ListAsync(Caller caller, int page, int pageSize, CancellationToken ct)
    {
        page = Math.Max(1, page);
        pageSize = Math.Clamp(pageSize, 1, MessagingService.MaxPageSize);
        var q = Visible(caller);
        var total = await q.CountAsync(ct);
        var items = await q.OrderByDescending(b => b.Id).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return new Page<Batch>(items, page, pageSize, total);
    }

    public async Task<Result<Batch>> GetAsync(long id, Caller caller, CancellationToken ct)
    {
        var batch = await Visible(caller).FirstOrDefaultAsync(b => b.Id == id, ct);
        return batch is null ? AppError.NotFound($"no batch with id {id}") : batch;
    }

    /// <summary>Withdraws the batch's messages that have not been handed to a provider yet.</summary>
    public async Task<Result<int>> CancelPendingAsync(long id, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden($"the {ErrorText.Term(caller.Role)} role cannot cancel sends");
        var found = await GetAsync(id, caller, ct);
        if (!found.IsOk) return found.Error!;
        return await ledger.CancelPendingAsync(id, clock.GetUtcNow(), ct);
    }

    /// <summary>Counts what <see cref="ResendFailedAsync"/> would send again, priced at the provider that would carry it now.</summary>
    public async Task<Result<ResendEstimate>> EstimateResendAsync(long id, Caller caller, CancellationToken ct)
    {
        var found = await GetAsync(id, caller, ct);
        if (!found.IsOk) return found.Error!;
        var max = options.Value.MaxRetries;
        var failed = db.Messages.AsNoTracking().Where(m => m.BatchId == id && m.Status == MessageStatus.Failed);
        var retryable = await failed.CountAsync(m => m.RetryCount < max, ct);
        var exhausted = await failed.CountAsync(m => m.RetryCount >= max, ct);
        var segments = await failed.Where(m => m.RetryCount < max).SumAsync(m => m.Segments < 1 ? 1 : m.Segments, ct);
        var unitPrice = (await providers.ResolveAsync(found.Value!.TenantId, found.Value.Channel, ct)).UnitPrice;
        return new ResendEstimate(retryable, exhausted, segments, segments * unitPrice);
    }

    /// <summary>Sends the batch's failed messages again, each within its retry limit (document 003's rule).</summary>
    public async Task<Result<ResendResult>> ResendFailedAsync(long id, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden($"the {ErrorText.Term(caller.Role)} role cannot resend messages");
        if (rateLimit.TryAcquire(caller) is { } tooMany) return tooMany;
        var found = await GetAsync(id, caller, ct);
        if (!found.IsOk) return found.Error!;
        var (requeued, skipped) = await ledger.ResendFailedAsync(id, options.Value.MaxRetries, clock.GetUtcNow(), ct);
        if (requeued > 0) dispatch.Kick(requeued);
        return new ResendResult(requeued, skipped);
    }
}
