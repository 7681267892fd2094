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
        var store = scope.ServiceProvider.GetRequiredService<MessageLedger>();
        var lease = Guid.NewGuid().ToString("N");
        var now = clock.GetUtcNow();
        var claimed = await store.ClaimAsync(lease, now, now.AddSeconds(o.LeaseSeconds), o.ChunkSize, ct);
        if (claimed.Count == 0) return 0;

        var outcomes = new List<MessageLedger.Outcome>(claimed.Count);
        var refusals = new List<(Message Message, RecipientRefusal Refusal)>();
        var gate = scope.ServiceProvider.GetRequiredService<Compliance.MarketingGate>();
        foreach (var group in claimed.GroupBy(m => (m.TenantId, m.Channel)))
        {
            var rows = await GateAsync(gate, group.Key.TenantId, group.Key.Channel, group.ToList(), outcomes, ct);
            if (rows.Count == 0) continue;
            var provider = await providers.ResolveAsync(group.Key.TenantId, group.Key.Channel, ct);
            var tracking = await scope.ServiceProvider.GetRequiredService<Tracking.EmailTracking>().ForTenantAsync(group.Key.TenantId, group.Key.Channel, ct);
            IReadOnlyList<SendResult> results;
            try
            {
                results = await provider.SendAsync(rows.Select(m => ToOutbound(gate, tracking, m)).ToList(), ct);
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
                if (r.Refusal is { } refusal) refusals.Add((m, refusal));
            }
        }

        // From here on the provider has answered: what it took is written whatever the job is told (a node stopping cancels
        // it), or the rows would stay "sending" and go out again once their lease ran out.
        var written = await store.CompleteAsync(lease, outcomes, claimed.ToDictionary(m => m.Id, m => m.BatchId), clock.GetUtcNow(), CancellationToken.None);
        if (written < claimed.Count)
        {
            logger.LogWarning("Lease {Lease} ran out for {Count} messages; their outcomes were left to the new owner", lease, claimed.Count - written);
        }
        if (refusals.Count > 0) await scope.ServiceProvider.GetRequiredService<Bounces.BounceRecorder>().RecordRefusalsAsync(refusals, CancellationToken.None);
        // Names the node, so that an operator (and the multi-node test) can tell from the logs which node sent what.
        logger.LogDebug("Node {Node} dispatched {Count} messages", o.Node, written);
        return claimed.Count;
    }

    /// <summary>
    /// Asks the marketing gate about each row as it goes out: a suppressed row is written as such, a held one goes back to
    /// pending until the gate's time (and dispatch is woken then). Returns the rows that may be sent now.
    /// </summary>
    private async Task<List<Message>> GateAsync(Compliance.MarketingGate gate, string tenantId, Channel channel, List<Message> rows,
        List<MessageLedger.Outcome> outcomes, CancellationToken ct)
    {
        var decisions = await gate.AtDispatchAsync(tenantId, channel, rows.Select(m => new Compliance.GatedMessage(m.Recipient, m.Purpose)).ToList(), clock.GetUtcNow(), ct);
        var go = new List<Message>(rows.Count);
        DateTimeOffset? wake = null;
        for (var i = 0; i < rows.Count; i++)
        {
            var (m, decision) = (rows[i], decisions[i]);
            switch (decision.Verdict)
            {
                case Compliance.GateVerdict.Suppress:
                    outcomes.Add(new(m.Id, MessageStatus.Suppressed, m.Provider, m.ThirdPartyId, m.ThirdPartyStatus, m.Response,
                        decision.SuppressedBecause, m.RetryCount, 0m, null, m.NextAttemptAt, null, m.RetryCount));
                    break;
                case Compliance.GateVerdict.Hold:
                    outcomes.Add(new(m.Id, MessageStatus.Pending, m.Provider, m.ThirdPartyId, m.ThirdPartyStatus, m.Response,
                        m.Error, m.RetryCount, 0m, null, decision.HoldUntil!.Value, null, m.RetryCount));
                    wake ??= decision.HoldUntil;
                    break;
                default:
                    go.Add(m);
                    break;
            }
        }
        if (wake is { } at) queue.KickAt(at);
        return go;
    }

    /// <summary>
    /// The row as its provider gets it: a tracked email's links rewritten and its pixel added (to the stored content, where
    /// <c>/r/</c> finds them again), then what marketing adds as it goes out (the unsubscribe link and headers).
    /// </summary>
    private static OutboundMessage ToOutbound(Compliance.MarketingGate gate, Tracking.TenantTracking? tracking, Message m)
    {
        var content = tracking?.Applies(m) == true ? tracking.Rewrite(m) : m.Content;
        var outbound = new OutboundMessage(m.Id, m.BatchId, m.TenantId, m.Channel, m.Recipient, m.Subject, content, m.Segments) { IsHtml = m.IsHtml };
        return gate.DecorateAtDispatch(m.TenantId, m.Channel, m.Purpose, m.Recipient, content, m.IsHtml) is { } decorated
            ? outbound with { Content = decorated.Content, Headers = decorated.Headers }
            : outbound;
    }

    /// <summary>The row's next state after this attempt; attempts are numbered from 1 (the first send).</summary>
    internal static MessageLedger.Outcome ToOutcome(Message m, SendResult r, string provider, DateTimeOffset now, DispatchOptions o)
    {
        r = r.Bounded();
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
                    Message.GaveUp(r.Error, o.MaxRetries), m.RetryCount, 0m, null, m.NextAttemptAt, "failed", m.RetryCount + 1);
            default:
                return new(m.Id, MessageStatus.Failed, provider, r.ThirdPartyId, r.ThirdPartyStatus, r.Response, r.Error,
                    m.RetryCount, 0m, null, m.NextAttemptAt, "failed", m.RetryCount + 1);
        }
    }
}
