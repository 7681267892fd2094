using CommsConsole.Data;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers;
using System.ComponentModel;
using Hangfire;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Dispatch;

/// <summary>
/// Claims chunks of due pending messages, sends them through their provider and writes the outcomes back.
/// Safe to run twice or concurrently: a row is only ever sent by the job holding its lease.
/// </summary>
[Queue("default")]
[AutomaticRetry(Attempts = 0)] // Failures are handled per message; the sweeper restarts dispatch.
public sealed class DispatchJob(
    IServiceScopeFactory scopes,
    IProviderResolver providers,
    DispatchQueue queue,
    TimeProvider clock,
    IOptions<DispatchOptions> options,
    ILogger<DispatchJob> logger)
{
    [DisplayName("Dispatch due messages")]
    public Task RunAsync(CancellationToken ct)
    {
        queue.Started();
        return DrainAsync(ct);
    }

    [DisplayName("Dispatch scheduled messages")]
    public Task RunScheduledAsync(CancellationToken ct) => DrainAsync(ct);

    private async Task DrainAsync(CancellationToken ct)
    {
        var o = options.Value;
        var budgetEnds = clock.GetUtcNow().AddSeconds(o.JobBudgetSeconds);
        while (!ct.IsCancellationRequested)
        {
            var sent = await RunOnceAsync(ct);
            if (sent == 0) return;
            if (clock.GetUtcNow() > budgetEnds)
            {
                queue.Kick();
                return;
            }
        }
    }

    /// <summary>Claims and sends one chunk; returns how many rows it claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var o = options.Value;
        using var scope = scopes.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<MessageStore>();
        var lease = Guid.NewGuid().ToString("N");
        var now = clock.GetUtcNow();
        var claimed = await store.ClaimAsync(lease, now, now.AddSeconds(o.LeaseSeconds), o.ChunkSize, ct);
        if (claimed.Count == 0) return 0;

        var outcomes = new List<MessageStore.Outcome>(claimed.Count);
        foreach (var group in claimed.GroupBy(m => (m.TenantId, m.Channel)))
        {
            var provider = await providers.ResolveAsync(group.Key.TenantId, group.Key.Channel, ct);
            var rows = group.ToList();
            IReadOnlyList<SendResult> results;
            try
            {
                results = await provider.SendAsync(rows.Select(ToOutbound).ToList(), ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Provider {Provider} failed a chunk of {Count} messages", provider.Name, rows.Count);
                results = rows.Select(m => SendResult.Transient(m.Id, $"{provider.Name}: {ex.Message}")).ToList();
            }
            var byId = results.ToDictionary(r => r.MessageId);
            var finishedAt = clock.GetUtcNow();
            foreach (var m in rows)
            {
                var r = byId.GetValueOrDefault(m.Id) ?? SendResult.Transient(m.Id, $"{provider.Name} gave no result for this message");
                outcomes.Add(ToOutcome(m, r, r.Provider ?? provider.Name, finishedAt, o));
            }
        }

        var written = await store.CompleteAsync(lease, outcomes, claimed.ToDictionary(m => m.Id, m => m.BatchId), clock.GetUtcNow(), ct);
        if (written < claimed.Count)
        {
            logger.LogWarning("Lease {Lease} ran out for {Count} messages; their outcomes were left to the new owner", lease, claimed.Count - written);
        }
        // Names the node, so that an operator (and the multi-node test) can tell from the logs which node sent what.
        logger.LogDebug("Node {Node} dispatched {Count} messages", o.Node, written);
        return claimed.Count;
    }

    private static OutboundMessage ToOutbound(Message m) =>
        new(m.Id, m.BatchId, m.TenantId, m.Channel, m.Recipient, m.Subject, m.Content, m.Segments);

    /// <summary>The row's next state after this attempt; attempts are numbered from 1 (the first send).</summary>
    internal static MessageStore.Outcome ToOutcome(Message m, SendResult r, string provider, DateTimeOffset now, DispatchOptions o)
    {
        switch (r.Kind)
        {
            case SendResultKind.Sent:
                return new(m.Id, MessageStatus.Sent, provider, r.ThirdPartyId, r.ThirdPartyStatus, r.Response, null,
                    m.RetryCount, r.Cost, now, m.NextAttemptAt, "sent", m.RetryCount + 1);
            case SendResultKind.TransientFailure when m.RetryCount < o.MaxRetries:
                var retry = m.RetryCount + 1;
                var delay = TimeSpan.FromSeconds(o.RetryBaseSeconds * Math.Pow(2, retry - 1));
                return new(m.Id, MessageStatus.Pending, provider, r.ThirdPartyId, r.ThirdPartyStatus, r.Response, r.Error,
                    retry, 0m, null, now + delay, "retry", m.RetryCount + 1);
            case SendResultKind.TransientFailure:
                return new(m.Id, MessageStatus.Failed, provider, r.ThirdPartyId, r.ThirdPartyStatus, r.Response,
                    $"{r.Error} (gave up after {o.MaxRetries} retries)", m.RetryCount, 0m, null, m.NextAttemptAt, "failed", m.RetryCount + 1);
            default:
                return new(m.Id, MessageStatus.Failed, provider, r.ThirdPartyId, r.ThirdPartyStatus, r.Response, r.Error,
                    m.RetryCount, 0m, null, m.NextAttemptAt, "failed", m.RetryCount + 1);
        }
    }
}
