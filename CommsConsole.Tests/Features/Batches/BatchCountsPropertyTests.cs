using CommsConsole.Data;
using CommsConsole.Features.Batches;
using CommsConsole.Features.Dispatch;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers;
using CommsConsole.Features.Receipts;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Hangfire;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CommsConsole.Tests.Features.Batches;

/// <summary>
/// The ledger's invariant, "a batch's counts equal its rows by status", checked after every transition of random sequences
/// of them: claim, outcome (sent, failed, retry later), a stale outcome, lease expiry, retry, cancel, resend, delivered and
/// dropped. Each seed is a test case of its own: a failure names its seed and step, and running that seed again replays it.
/// </summary>
public sealed class BatchCountsPropertyTests(BatchCountsPropertyTests.StillApp app) : IClassFixture<BatchCountsPropertyTests.StillApp>
{
    /// <summary>The real app on a real database, without its dispatch workers, so that the test alone moves the rows.</summary>
    public sealed class StillApp() : AppFactory(null)
    {
        public int RemovedWorkers { get; private set; }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                var workers = services.Where(d => d.ServiceType == typeof(IHostedService) && (d.ImplementationType == typeof(DispatchSweeper)
                    || d.ImplementationFactory?.Method.DeclaringType?.Assembly == typeof(HangfireServiceCollectionExtensions).Assembly)).ToList();
                foreach (var d in workers) services.Remove(d);
                RemovedWorkers = workers.Count;
            });
        }
    }

    private const int Steps = 120;
    private static readonly CancellationToken None = CancellationToken.None;

    private sealed record Claim(string Lease, List<Message> Outstanding);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(20261202)]
    [InlineData(424242)]
    public async Task BatchCountsEqualRowsByStatus_AfterEveryTransition(int seed)
    {
        var rng = new Random(seed);
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Admin, tenant);
        client.Dispose();
        Assert.Equal(3, app.RemovedWorkers); // the sweeper, the dispatch server and the imports server
        var caller = new Caller(userId, tenant, Roles.Admin);
        var max = app.Services.GetRequiredService<IOptions<DispatchOptions>>().Value.MaxRetries;
        var dispatch = app.Services.GetRequiredService<IOptions<DispatchOptions>>().Value;

        var phones = Enumerable.Range(0, 25).Select(i => $"137{seed % 100_000:D5}{i:D3}").ToArray();
        await app.SuppressAsync(tenant, Channel.Sms, phones[19]);
        List<long> batchIds =
        [
            await SendAsync(caller, phones[..8], Purpose.Transactional),
            await SendAsync(caller, phones[8..14], Purpose.Transactional),
            await SendAsync(caller, phones[14..20], Purpose.Marketing),
            await SendAsync(caller, phones[20..], Purpose.Transactional),
        ];
        var now = DateTimeOffset.UtcNow.AddDays(1);
        var claims = new List<Claim>();
        var completed = new List<(string Lease, Message Row)>();
        var steps = new List<string>();
        try
        {
            await CheckAsync("the sends");
            for (var step = 0; step < Steps; step++)
            {
                now = now.AddMinutes(1);
                // Cancelling ends a batch's story, so it is drawn least often.
                var done = rng.Next(24) switch
                {
                    < 5 => await ClaimAsync(),
                    < 10 => await OutcomesAsync(),
                    10 => await StaleOutcomeAsync(),
                    11 => await ReclaimAsync(),
                    < 15 => await RetryAsync(),
                    15 => await CancelAsync(),
                    < 18 => await ResendAsync(),
                    _ => await ReportAsync(rng.Next(2) == 0 ? "delivered" : "dropped"),
                };
                steps.Add($"{step}: {done}");
                await CheckAsync($"step {done}");
            }
        }
        finally
        {
            // Nothing of this seed stays claimable, so that the next seed claims only its own rows.
            await WithLedgerAsync(s => s.ReclaimExpiredAsync(DateTimeOffset.MaxValue.AddYears(-1), None));
            foreach (var id in batchIds) await app.WithAsync<BatchService, Result<int>>(b => b.CancelPendingAsync(id, caller, None));
        }
        await CheckAsync("the clean-up");

        async Task CheckAsync(string after)
        {
            using var db = app.Db();
            await BatchRowCounts.AssertMatchRowsAsync(db, batchIds, $"{after} (seed {seed}; steps: {string.Join(", ", steps)})");
        }

        async Task<List<Message>> RowsAsync(Func<IQueryable<Message>, IQueryable<Message>>? where = null)
        {
            using var db = app.Db();
            var q = db.Messages.AsNoTracking().Where(m => batchIds.Contains(m.BatchId));
            return await (where is null ? q : where(q)).OrderBy(m => m.Id).ToListAsync();
        }

        async Task<string> ClaimAsync()
        {
            var take = rng.Next(1, 6);
            var due = (await RowsAsync(q => q.Where(m => m.Status == MessageStatus.Pending && m.NextAttemptAt <= now))).Count;
            var lease = $"seed{seed}-{claims.Count}";
            var claimed = await WithLedgerAsync(s => s.ClaimAsync(lease, now, now.AddMinutes(5), take, None));
            Assert.Equal(Math.Min(take, due), claimed.Count);
            claims.Add(new Claim(lease, claimed));
            return $"claim {take} ({claimed.Count})";
        }

        async Task<string> OutcomesAsync()
        {
            var open = claims.Where(c => c.Outstanding.Count > 0).ToList();
            if (open.Count == 0) return "outcome (no claim open)";
            var claim = open[rng.Next(open.Count)];
            var rows = claim.Outstanding.Where(_ => rng.Next(2) == 0).DefaultIfEmpty(claim.Outstanding[0]).ToList();
            var outcomes = rows.Select(m => DispatchJob.ToOutcome(m, rng.Next(3) switch
            {
                0 => new SendResult(m.Id, SendResultKind.Sent, ThirdPartyId: $"PROP-{seed}-{m.Id}-{steps.Count}", ThirdPartyStatus: "success", Cost: 0.05m),
                1 => SendResult.Permanent(m.Id, "refused"),
                _ => SendResult.Transient(m.Id, "timed out"),
            }, "simulated", now, dispatch)).ToList();
            var stillOurs = (await RowsAsync(q => q.Where(m => m.LeaseId == claim.Lease && m.Status == MessageStatus.Sending))).Count(m => rows.Any(r => r.Id == m.Id));
            var written = await WithLedgerAsync(s => s.CompleteAsync(claim.Lease, outcomes, rows.ToDictionary(m => m.Id, m => m.BatchId), now, None));
            Assert.Equal(stillOurs, written);
            foreach (var m in rows)
            {
                claim.Outstanding.Remove(m);
                completed.Add((claim.Lease, m));
            }
            return $"outcomes {string.Join("/", outcomes.Select(o => o.Status))} ({written} written)";
        }

        async Task<string> StaleOutcomeAsync()
        {
            if (completed.Count == 0) return "stale outcome (none)";
            var (lease, m) = completed[rng.Next(completed.Count)];
            var outcome = DispatchJob.ToOutcome(m, new SendResult(m.Id, SendResultKind.Sent, ThirdPartyId: "PROP-stale"), "simulated", now, dispatch);
            var written = await WithLedgerAsync(s => s.CompleteAsync(lease, [outcome], new Dictionary<long, long> { [m.Id] = m.BatchId }, now, None));
            Assert.Equal(0, written);
            return "stale outcome";
        }

        async Task<string> ReclaimAsync()
        {
            var expired = (await RowsAsync(q => q.Where(m => m.Status == MessageStatus.Sending && m.LeaseUntil < now))).Count;
            var reclaimed = await WithLedgerAsync(s => s.ReclaimExpiredAsync(now, None));
            Assert.Equal(expired, reclaimed);
            return $"lease expiry ({reclaimed})";
        }

        // Three picks in four among the rows the transition applies to, when there are any; else any row (to be refused).
        async Task<Message> PickAsync(Func<Message, bool> applies)
        {
            var rows = await RowsAsync();
            var fitting = rows.Where(applies).ToList();
            return fitting.Count > 0 && rng.Next(4) > 0 ? fitting[rng.Next(fitting.Count)] : rows[rng.Next(rows.Count)];
        }

        async Task<string> RetryAsync()
        {
            var m = await PickAsync(m => m.Status == MessageStatus.Failed);
            var result = await app.WithAsync<MessagingService, Result<Message>>(s => s.RetryAsync(m.Id, caller, None));
            Assert.Equal(m.Status == MessageStatus.Failed && m.RetryCount < max, result.IsOk);
            return $"retry {m.Status} ({(result.IsOk ? "ok" : "refused")})";
        }

        async Task<string> CancelAsync()
        {
            var id = batchIds[rng.Next(batchIds.Count)];
            var pending = (await RowsAsync(q => q.Where(m => m.BatchId == id && m.Status == MessageStatus.Pending))).Count;
            var result = await app.WithAsync<BatchService, Result<int>>(b => b.CancelPendingAsync(id, caller, None));
            Assert.Equal(pending, result.Value);
            return $"cancel ({pending})";
        }

        async Task<string> ResendAsync()
        {
            var id = batchIds[rng.Next(batchIds.Count)];
            var failed = await RowsAsync(q => q.Where(m => m.BatchId == id && m.Status == MessageStatus.Failed));
            var result = await app.WithAsync<BatchService, Result<ResendResult>>(b => b.ResendFailedAsync(id, caller, None));
            Assert.Equal(new ResendResult(failed.Count(m => m.RetryCount < max), failed.Count(m => m.RetryCount >= max)), result.Value);
            return $"resend ({result.Value!.Requeued})";
        }

        async Task<string> ReportAsync(string kind)
        {
            var m = await PickAsync(m => m.Status == MessageStatus.Sent);
            var report = new SubhookEvent(kind, m.Recipient, null, m.ThirdPartyId ?? $"PROP-{seed}-none", null, null, null, null, null, null);
            var outcome = await app.WithAsync<SubhookReceiver, SubhookOutcome>(r => r.ApplyAsync(report, None, tenant));
            var expected = m.ThirdPartyId is null ? SubhookOutcome.UnknownSendId
                : m.Status == MessageStatus.Sent ? SubhookOutcome.Applied : SubhookOutcome.AlreadyApplied;
            Assert.Equal(expected, outcome);
            return $"{kind} {m.Status} ({outcome})";
        }
    }

    private async Task<long> SendAsync(Caller caller, string[] phones, Purpose purpose)
    {
        var sent = await app.WithAsync<MessagingService, Result<SendReceipt>>(s => s.SendAsync(new SendRequest
        {
            Channel = Channel.Sms, Recipients = phones, Content = "【Shop】counts", Purpose = purpose, Source = "api-bulk",
        }, caller, None));
        Assert.True(sent.IsOk, sent.Error?.Message);
        return sent.Value!.Batch.Id;
    }

    private async Task<T> WithLedgerAsync<T>(Func<MessageLedger, Task<T>> call) => await app.WithAsync(call);
}
