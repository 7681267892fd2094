using System.Collections.Concurrent;
using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CommsConsole.Features.Webhooks;

/// <summary>
/// Sends recorded events, on every node: each loop claims due deliveries with a lease (the way dispatch claims messages:
/// a conditional update on SQLite, <c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL, so two nodes never claim the same row),
/// sends them with at most <see cref="WebhookOptions.PerEndpointConcurrency"/> requests in flight per endpoint, and writes
/// each outcome only while the lease is still its own. A delivery whose lease ran out (its node died) is claimed again:
/// delivery is at least once, and receivers drop repeats by <c>webhook-id</c>.
/// <para>
/// After a failed attempt (no 2xx, no answer in time) the delivery waits the next delay of
/// <see cref="WebhookOptions.RetryDelaysSeconds"/> and gives up after the last; a 410 disables the endpoint at once, and an
/// endpoint that has failed every attempt for <see cref="WebhookOptions.DisableAfterFailingHours"/> is disabled, both
/// with the reason shown in the console.
/// </para>
/// </summary>
public sealed class WebhookDeliveryWorker(
    IServiceScopeFactory scopes,
    WebhookSender sender,
    WebhookSecrets secrets,
    WebhookSignal signal,
    WebhookSubscriptions subscriptions,
    TimeProvider clock,
    IOptions<WebhookOptions> options,
    ILogger<WebhookDeliveryWorker> logger) : BackgroundService
{
    /// <summary>Why the app disabled an endpoint (<see cref="WebhookEndpoint.DisabledReason"/>).</summary>
    public const string GoneReason = "gone", FailingReason = "failing";

    private readonly ConcurrentDictionary<long, SemaphoreSlim> _gates = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Value.Workers)).Select(_ => LoopAsync(stoppingToken)));

    private async Task LoopAsync(CancellationToken stop)
    {
        await Task.Yield();
        while (!stop.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                claimed = await RunOnceAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Shutting down mid-chunk: the claimed deliveries go again when their lease runs out.
                return;
            }
            catch (Exception ex) when (!stop.IsCancellationRequested)
            {
                logger.LogError(ex, "Webhook delivery failed; trying again at the next poll");
            }
            if (claimed > 0) continue;
            try
            {
                await signal.WaitAsync(TimeSpan.FromSeconds(options.Value.PollSeconds), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private sealed record Outcome(WebhookDelivery Delivery, WebhookAttemptResult? Result);

    /// <summary>Claims and sends one chunk of due deliveries; returns how many it claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var o = options.Value;
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var lease = Guid.NewGuid().ToString("N");
        var now = clock.GetUtcNow();
        var claimed = await ClaimAsync(db, lease, now, now.AddSeconds(o.LeaseSeconds), o.ClaimSize, ct);
        if (claimed.Count == 0) return 0;

        var endpointIds = claimed.Select(d => d.EndpointId).Distinct().ToList();
        var endpoints = await db.WebhookEndpoints.AsNoTracking().Where(e => endpointIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var messageIds = claimed.Where(d => d.Data is null && d.MessageId is not null).Select(d => d.MessageId!.Value).Distinct().ToList();
        var messages = await db.Messages.AsNoTracking().Where(m => messageIds.Contains(m.Id)).ToDictionaryAsync(m => m.Id, ct);
        var batchIds = claimed.Where(d => d.Data is null && d.MessageId is null && d.BatchId is not null).Select(d => d.BatchId!.Value).Distinct().ToList();
        var batches = await db.Batches.AsNoTracking().Where(b => batchIds.Contains(b.Id)).ToDictionaryAsync(b => b.Id, ct);

        var outcomes = new ConcurrentBag<Outcome>();
        await Task.WhenAll(claimed.GroupBy(d => d.EndpointId).Select(async group =>
        {
            if (!endpoints.TryGetValue(group.Key, out var endpoint))
            {
                foreach (var d in group) outcomes.Add(new(d, null));
                return;
            }
            var keys = WebhookSender.SigningSecrets(endpoint, secrets, clock.GetUtcNow());
            // One gate per endpoint for the whole node, so that its loops together keep within the endpoint's bound.
            var gate = _gates.GetOrAdd(endpoint.Id, _ => new SemaphoreSlim(Math.Max(1, o.PerEndpointConcurrency)));
            await Task.WhenAll(group.Select(async d =>
            {
                if (!Wanted(endpoint, d))
                {
                    outcomes.Add(new(d, null));
                    return;
                }
                var body = WebhookPayloads.Render(d, d.MessageId is { } m ? messages.GetValueOrDefault(m) : null,
                    d.BatchId is { } b ? batches.GetValueOrDefault(b) : null);
                await gate.WaitAsync(ct);
                try
                {
                    outcomes.Add(new(d, await sender.SendAsync(endpoint.Url, keys, d.Id, body, ct)));
                }
                finally
                {
                    gate.Release();
                }
            }));
        }));

        await WriteAsync(db, lease, outcomes.ToList(), ct);
        return claimed.Count;
    }

    /// <summary>An endpoint disabled since, or no longer asking for the event, is not sent it (a test event goes to a disabled endpoint too).</summary>
    private static bool Wanted(WebhookEndpoint endpoint, WebhookDelivery d) =>
        d.Event == WebhookEvents.Test || (endpoint.Enabled && (endpoint.EventMask & WebhookEvents.Bit(d.Event)) != 0);

    private async Task WriteAsync(AppDbContext db, string lease, IReadOnlyList<Outcome> outcomes, CancellationToken ct)
    {
        var o = options.Value;
        var delays = o.RetryDelays();
        var now = clock.GetUtcNow();
        var disabled = false;
        await using var tx = await WriteTransaction.BeginBackgroundAsync(db.Database, ct);
        // Only deliveries still leased to this claim are written (one whose lease ran out belongs to whoever claimed it since).
        var allIds = outcomes.Select(x => x.Delivery.Id).ToList();
        var ours = (await db.WebhookDeliveries.Where(x => allIds.Contains(x.Id) && x.LeaseId == lease && x.Status == WebhookDeliveryStatus.Sending)
            .Select(x => x.Id).ToListAsync(ct)).ToHashSet();

        // The usual outcome, a 2xx, is written set-wise: one statement per status code rather than one per delivery.
        foreach (var group in outcomes.Where(x => x.Result is { Succeeded: true } && ours.Contains(x.Delivery.Id)).GroupBy(x => x.Result!.StatusCode))
        {
            var ids = group.Select(x => x.Delivery.Id).ToList();
            var code = group.Key;
            await db.WebhookDeliveries.Where(x => ids.Contains(x.Id) && x.LeaseId == lease)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.Status, WebhookDeliveryStatus.Succeeded)
                    .SetProperty(x => x.Attempts, x => x.Attempts + 1)
                    .SetProperty(x => x.LastStatusCode, code)
                    .SetProperty(x => x.CompletedAt, (DateTimeOffset?)now)
                    .SetProperty(x => x.LeaseId, (string?)null)
                    .SetProperty(x => x.LeaseUntil, (DateTimeOffset?)null), ct);
        }
        foreach (var (d, r) in outcomes)
        {
            if (!ours.Contains(d.Id)) continue;
            var attempt = d.Attempts + 1;
            if (r is { Succeeded: false } or null)
            {
                var (status, next) = r switch
                {
                    null => (WebhookDeliveryStatus.Cancelled, d.NextAttemptAt),
                    { Gone: true } => (WebhookDeliveryStatus.Failed, d.NextAttemptAt),
                    _ when attempt <= delays.Count => (WebhookDeliveryStatus.Pending, now + delays[attempt - 1]),
                    _ => (WebhookDeliveryStatus.Failed, d.NextAttemptAt),
                };
                var done = status is not WebhookDeliveryStatus.Pending;
                await db.WebhookDeliveries.Where(x => x.Id == d.Id && x.LeaseId == lease)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(x => x.Status, status)
                        .SetProperty(x => x.Attempts, r is null ? d.Attempts : attempt)
                        .SetProperty(x => x.NextAttemptAt, next)
                        .SetProperty(x => x.LastStatusCode, r is null ? d.LastStatusCode : r.StatusCode)
                        .SetProperty(x => x.CompletedAt, done ? (DateTimeOffset?)now : null)
                        .SetProperty(x => x.LeaseId, (string?)null)
                        .SetProperty(x => x.LeaseUntil, (DateTimeOffset?)null), ct);
            }
            if (r is null) continue;
            db.WebhookAttempts.Add(new WebhookAttempt
            {
                DeliveryId = d.Id, EndpointId = d.EndpointId, TenantId = d.TenantId, Event = d.Event, Number = attempt,
                StatusCode = r.StatusCode, LatencyMs = r.LatencyMs, ResponseExcerpt = r.Excerpt, Error = r.Error, At = now,
            });
        }

        foreach (var group in outcomes.Where(x => x.Result is not null).GroupBy(x => x.Delivery.EndpointId))
        {
            var id = group.Key;
            if (group.Any(x => x.Result!.Gone))
            {
                disabled |= await Disable(db.WebhookEndpoints.Where(e => e.Id == id && e.Enabled), GoneReason, now, ct) > 0;
            }
            else if (group.Any(x => x.Result!.Succeeded))
            {
                await db.WebhookEndpoints.Where(e => e.Id == id && e.FailingSince != null)
                    .ExecuteUpdateAsync(s => s.SetProperty(e => e.FailingSince, (DateTimeOffset?)null), ct);
            }
            else
            {
                await db.WebhookEndpoints.Where(e => e.Id == id && e.FailingSince == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(e => e.FailingSince, now), ct);
                var since = now.AddHours(-o.DisableAfterFailingHours);
                disabled |= await Disable(db.WebhookEndpoints.Where(e => e.Id == id && e.Enabled && e.FailingSince <= since), FailingReason, now, ct) > 0;
            }
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        if (disabled)
        {
            subscriptions.Invalidate();
            logger.LogWarning("Disabled a webhook endpoint that answered 410 or kept failing");
        }
    }

    private static Task<int> Disable(IQueryable<WebhookEndpoint> endpoint, string reason, DateTimeOffset now, CancellationToken ct) =>
        endpoint.ExecuteUpdateAsync(s => s
            .SetProperty(e => e.Enabled, false)
            .SetProperty(e => e.DisabledReason, reason)
            .SetProperty(e => e.DisabledAt, now), ct);

    private static readonly string ClaimPostgresSql = """
        WITH due AS MATERIALIZED (
            SELECT "Id" FROM "WebhookDeliveries"
            WHERE ("Status" = 0 AND "NextAttemptAt" <= @now) OR ("Status" = 1 AND "LeaseUntil" < @now)
            ORDER BY "NextAttemptAt", "Id"
            LIMIT @max
            FOR UPDATE SKIP LOCKED)
        UPDATE "WebhookDeliveries" d SET "Status" = 1, "LeaseId" = @lease, "LeaseUntil" = @until
        FROM due
        WHERE d."Id" = due."Id"
        RETURNING d.*
        """;

    /// <summary>
    /// Due pending deliveries, and sending ones whose lease ran out, become this lease's (pending → sending). On SQLite the
    /// write turn makes the claim exclusive; on PostgreSQL rows another node is claiming are skipped, not waited for.
    /// </summary>
    internal static async Task<List<WebhookDelivery>> ClaimAsync(AppDbContext db, string lease, DateTimeOffset now, DateTimeOffset until, int max, CancellationToken ct)
    {
        await using var tx = await WriteTransaction.BeginBackgroundAsync(db.Database, ct);
        List<WebhookDelivery> rows;
        if (db.Database.IsNpgsql())
        {
            rows = await db.WebhookDeliveries.FromSqlRaw(ClaimPostgresSql,
                    new NpgsqlParameter<long>("now", now.UtcTicks),
                    new NpgsqlParameter<int>("max", max),
                    new NpgsqlParameter<string>("lease", lease),
                    new NpgsqlParameter<long>("until", until.UtcTicks))
                .AsNoTracking().ToListAsync(ct);
        }
        else
        {
            var due = db.WebhookDeliveries
                .Where(d => (d.Status == WebhookDeliveryStatus.Pending && d.NextAttemptAt <= now) || (d.Status == WebhookDeliveryStatus.Sending && d.LeaseUntil < now))
                .OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id)
                .Select(d => d.Id)
                .Take(max);
            var claimed = await db.WebhookDeliveries.Where(d => due.Contains(d.Id)).ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, WebhookDeliveryStatus.Sending)
                .SetProperty(d => d.LeaseId, lease)
                .SetProperty(d => d.LeaseUntil, until), ct);
            rows = claimed == 0 ? [] : await db.WebhookDeliveries.AsNoTracking()
                .Where(d => d.Status == WebhookDeliveryStatus.Sending && d.LeaseId == lease).ToListAsync(ct);
        }
        await tx.CommitAsync(ct);
        return rows;
    }
}
