using System.Net;
using CommsConsole.Data;
using CommsConsole.Features.Dispatch;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace CommsConsole.Tests.Features.Dispatch;

public sealed class DispatchTests(ITestOutputHelper output)
{
    [Fact]
    public void TransientFailure_IsRetriedWithExponentialBackoff_ThenFails()
    {
        var options = new DispatchOptions { MaxRetries = 3, RetryBaseSeconds = 5 };
        var now = DateTimeOffset.Parse("2026-01-01T00:00:00Z");
        var message = new Message { Id = 1, TenantId = "t", UserId = "u", Recipient = "13800138000", Content = "x", NextAttemptAt = now };
        var transient = SendResult.Transient(1, "timeout");

        var delays = new List<TimeSpan>();
        for (var retry = 0; retry < 3; retry++)
        {
            message.RetryCount = retry;
            var outcome = DispatchJob.ToOutcome(message, transient, "p", now, options);
            Assert.Equal(MessageStatus.Pending, outcome.Status);
            Assert.Equal(retry + 1, outcome.RetryCount);
            delays.Add(outcome.NextAttemptAt - now);
        }
        Assert.Equal([TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20)], delays);

        message.RetryCount = 3;
        var last = DispatchJob.ToOutcome(message, transient, "p", now, options);
        Assert.Equal(MessageStatus.Failed, last.Status);
        Assert.Contains("timeout", last.Error);
    }

    [Fact]
    public void PermanentFailure_FailsAtOnce_WithTheProvidersReason()
    {
        var message = new Message { Id = 1, TenantId = "t", UserId = "u", Recipient = "1", Content = "x" };
        var outcome = DispatchJob.ToOutcome(message, SendResult.Permanent(1, "bad number"), "p", DateTimeOffset.UnixEpoch, new DispatchOptions());
        Assert.Equal(MessageStatus.Failed, outcome.Status);
        Assert.Equal("bad number", outcome.Error);
        Assert.Equal(0, outcome.RetryCount);
    }

    [Fact]
    public async Task TransientFaults_EveryMessageEndsSentOrFailedAfterItsRetries_AndBatchCountsMatchRows()
    {
        await using var app = new AppFactory(null, new Dictionary<string, string?>
        {
            ["Providers:Simulated:TransientFailureRate"] = "0.3",
            ["Dispatch:RetryBaseSeconds"] = "0.05",
        });
        await ((IAsyncLifetime)app).InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var phones = Enumerable.Range(0, 500).Select(i => $"136{i:D8}").ToArray();
        var (status, body) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "x", recipients = phones });
        Assert.Equal(HttpStatusCode.OK, status);
        var batchId = body.Long("batch_id");

        await app.WaitUntilAsync(async db => !await db.Messages.AnyAsync(m => m.BatchId == batchId && (m.Status == MessageStatus.Pending || m.Status == MessageStatus.Sending)),
            TimeSpan.FromSeconds(60), "all messages settled");

        using var check = app.Db();
        var rows = await check.Messages.Where(m => m.BatchId == batchId).ToListAsync();
        var failed = rows.Where(m => m.Status == MessageStatus.Failed).ToList();
        Assert.All(failed, m => { Assert.Equal(3, m.RetryCount); Assert.Contains("gave up after 3 retries", m.Error); });
        Assert.Contains(rows, m => m.Status == MessageStatus.Sent && m.RetryCount > 0);
        var attempts = await check.MessageAttempts.Where(a => rows.Select(r => r.Id).Contains(a.MessageId)).CountAsync();
        Assert.Equal(rows.Sum(m => m.Status == MessageStatus.Failed ? 4 : m.RetryCount + 1), attempts);

        var batch = await check.Batches.SingleAsync(b => b.Id == batchId);
        Assert.Equal((500, 0, 0), (batch.Total, batch.Pending, batch.Sending));
        Assert.Equal(rows.Count(m => m.Status == MessageStatus.Sent), batch.Sent);
        Assert.Equal(failed.Count, batch.Failed);
        output.WriteLine($"30% transient faults: {batch.Sent} sent, {batch.Failed} failed after 3 retries, {attempts} attempts");
    }

    [Fact]
    public async Task AppStoppedMidDispatch_AndStartedAgain_LosesNothing_AndReportsDuplicates()
    {
        var directory = Path.Combine(Path.GetTempPath(), "commsconsole-restart-" + Guid.NewGuid().ToString("N")[..8]);
        var settings = new Dictionary<string, string?>
        {
            ["Providers:Simulated:LatencyMs"] = "500",
            ["Dispatch:ChunkSize"] = "100",
            ["Dispatch:Workers"] = "2",
            ["Dispatch:LeaseSeconds"] = "2",
        };
        const int total = 3_000;
        long batchId;
        try
        {
            await using (var first = new AppFactory(directory, settings))
            {
                await ((IAsyncLifetime)first).InitializeAsync();
                var tenant = await first.CreateTenantAsync();
                var (client, _) = await first.UserAsync(Roles.Marketer, tenant);
                var phones = Enumerable.Range(0, total).Select(i => $"135{i:D8}").ToArray();
                batchId = (await client.PostAsync("/communication/bulk", new { channel = "sms", content = "x", recipients = phones })).Body.Long("batch_id");
                await first.WaitUntilAsync(async db => await db.Messages.CountAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Sent) >= total / 4,
                    because: "a quarter sent before the stop");
            }

            int sentAtStop;
            await using (var second = new AppFactory(directory, settings))
            {
                // Read before the second host starts (touching its services would start it).
                using (var db = second.DbWithoutStarting())
                {
                    sentAtStop = await db.Messages.CountAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Sent);
                }
                await ((IAsyncLifetime)second).InitializeAsync();
                await second.WaitUntilAsync(async db => await db.Messages.CountAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Sent) == total,
                    TimeSpan.FromSeconds(90), "every message sent after the restart");
                using var check = second.Db();
                var batch = await check.Batches.SingleAsync(b => b.Id == batchId);
                Assert.Equal((total, 0, 0, 0), (batch.Sent, batch.Pending, batch.Sending, batch.Failed));
            }

            var received = File.ReadAllLines(Path.Combine(directory, "sent.txt")).Where(l => l.Length > 0).Select(long.Parse).ToList();
            var distinct = received.Distinct().Count();
            var duplicates = received.Count - distinct;
            output.WriteLine($"stopped with {sentAtStop}/{total} sent; after restart all {total} sent; provider received {received.Count}, duplicates {duplicates}");
            Assert.True(sentAtStop < total, "the stop should come mid-dispatch");
            Assert.Equal(total, distinct);
            // Only chunks in flight at the stop can be sent twice: at most one chunk per worker.
            Assert.InRange(duplicates, 0, 2 * 100);
        }
        finally
        {
            await AppFactory.DeleteAsync(directory);
        }
    }
}
