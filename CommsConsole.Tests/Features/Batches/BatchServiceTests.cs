using CommsConsole.Data;
using CommsConsole.Features.Batches;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers;
using CommsConsole.Features.Receipts;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Batches;

/// <summary>Cancelling a batch's pending messages and resending its failed ones, as the batch page does.</summary>
[Collection(AppCollection.Name)]
public sealed class BatchServiceTests(SharedApp app)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private async Task<Caller> CallerAsync(string role, string tenant)
    {
        var (client, userId) = await app.UserAsync(role, tenant);
        client.Dispose();
        return new Caller(userId, tenant, role);
    }

    /// <summary>Distinct numbers no other test uses (a random block of 1,000).</summary>
    private static string[] Phones(int count)
    {
        var block = Random.Shared.Next(0, 100_000) * 1_000;
        return Enumerable.Range(0, count).Select(i => $"139{block + i:D8}").ToArray();
    }

    private async Task<long> SendAsync(Caller caller, IReadOnlyList<string> phones, DateTimeOffset? notBefore = null)
    {
        var sent = await app.WithAsync<MessagingService, Result<SendReceipt>>(s => s.SendAsync(new SendRequest
        {
            Channel = Channel.Sms, Recipients = phones, Content = "batch test", Purpose = Purpose.Transactional, Source = "api-bulk", NotBefore = notBefore,
        }, caller, None));
        Assert.True(sent.IsOk, sent.Error?.Message);
        return sent.Value!.Batch.Id;
    }

    /// <summary>A batch whose messages wait an hour for their time: pending, and left alone by dispatch meanwhile.</summary>
    private Task<long> ScheduleAsync(Caller caller, int count) => SendAsync(caller, Phones(count), DateTimeOffset.UtcNow.AddHours(1));

    private Task<Result<int>> CancelAsync(long batchId, Caller caller) =>
        app.WithAsync<BatchService, Result<int>>(s => s.CancelPendingAsync(batchId, caller, None));

    private Task<Result<ResendResult>> ResendAsync(long batchId, Caller caller) =>
        app.WithAsync<BatchService, Result<ResendResult>>(s => s.ResendFailedAsync(batchId, caller, None));

    private async Task<Batch> BatchAsync(long id)
    {
        using var db = app.Db();
        await BatchRowCounts.AssertMatchRowsAsync(db, [id], $"batch {id}");
        return await db.Batches.AsNoTracking().SingleAsync(b => b.Id == id);
    }

    private async Task<List<Message>> RowsAsync(long batchId)
    {
        using var db = app.Db();
        return await db.Messages.AsNoTracking().Where(m => m.BatchId == batchId).OrderBy(m => m.Id).ToListAsync();
    }

    /// <summary>The carrier reports each sent message of the batch as dropped: they fail with no retry spent.</summary>
    private async Task DropAllAsync(long batchId)
    {
        foreach (var m in await RowsAsync(batchId))
        {
            var applied = await app.WithAsync<SubhookReceiver, SubhookOutcome>(r => r.ApplyAsync(
                new SubhookEvent("dropped", m.Recipient, null, m.ThirdPartyId, null, null, null, null, "test drop", null), None, m.TenantId));
            Assert.Equal(SubhookOutcome.Applied, applied);
        }
    }

    [Fact]
    public async Task CancelPending_WithdrawsEveryPendingMessage_AndTheCountsFollow()
    {
        var tenant = await app.CreateTenantAsync();
        var marketer = await CallerAsync(Roles.Marketer, tenant);
        var batchId = await ScheduleAsync(marketer, 12);

        var cancelled = await CancelAsync(batchId, marketer);

        Assert.True(cancelled.IsOk, cancelled.Error?.Message);
        Assert.Equal(12, cancelled.Value);
        var batch = await BatchAsync(batchId);
        Assert.Equal((12, 0, 12), (batch.Total, batch.Pending, batch.Cancelled));
        Assert.All(await RowsAsync(batchId), m => Assert.Equal((MessageStatus.Cancelled, "cancelled before sending"), (m.Status, m.Error)));
    }

    [Fact]
    public async Task CancelPending_ByAnotherTenant_AnotherMarketer_OrAnAuditor_ChangesNothing_AndTwiceCancelsNothingMore()
    {
        var tenant = await app.CreateTenantAsync();
        var owner = await CallerAsync(Roles.Marketer, tenant);
        var batchId = await ScheduleAsync(owner, 5);

        var stranger = await CallerAsync(Roles.Admin, await app.CreateTenantAsync());
        Assert.Equal(ErrorKind.NotFound, (await CancelAsync(batchId, stranger)).Error?.Kind);
        // A Marketer sees only their own sends, so another Marketer's batch does not exist for them.
        Assert.Equal(ErrorKind.NotFound, (await CancelAsync(batchId, await CallerAsync(Roles.Marketer, tenant))).Error?.Kind);
        Assert.Equal(ErrorKind.Forbidden, (await CancelAsync(batchId, await CallerAsync(Roles.Auditor, tenant))).Error?.Kind);
        Assert.Equal(ErrorKind.NotFound, (await CancelAsync(long.MaxValue, owner)).Error?.Kind);
        Assert.Equal(5, (await BatchAsync(batchId)).Pending);
        Assert.All(await RowsAsync(batchId), m => Assert.Equal(MessageStatus.Pending, m.Status));

        // The tenant's Admin may cancel a Marketer's batch; a second cancel finds nothing left to withdraw.
        var admin = await CallerAsync(Roles.Admin, tenant);
        Assert.Equal(5, (await CancelAsync(batchId, admin)).Value);
        var again = await CancelAsync(batchId, owner);
        Assert.True(again.IsOk, again.Error?.Message);
        Assert.Equal(0, again.Value);
        var batch = await BatchAsync(batchId);
        Assert.Equal((0, 5), (batch.Pending, batch.Cancelled));
    }

    [Fact]
    public async Task CancelPending_TwentyAtOnce_WithdrawsEachMessageOnce_AndNoneIsSent()
    {
        var tenant = await app.CreateTenantAsync();
        var marketer = await CallerAsync(Roles.Marketer, tenant);
        var batchId = await ScheduleAsync(marketer, 40);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => CancelAsync(batchId, marketer))));

        Assert.All(results, r => Assert.True(r.IsOk, r.Error?.Message));
        Assert.Equal(40, results.Sum(r => r.Value));
        var batch = await BatchAsync(batchId);
        Assert.Equal((40, 0, 0, 40), (batch.Total, batch.Pending, batch.Sending, batch.Cancelled));
        var ids = (await RowsAsync(batchId)).Select(m => m.Id).ToHashSet();
        Assert.DoesNotContain(app.Services.GetRequiredService<SimulatedProvider>().Received.Keys, ids.Contains);
    }

    [Fact]
    public async Task CancelPending_TwentyAtOnce_WhileTheBatchIsBeingSent_EachMessageIsSentOnceOrCancelled()
    {
        var tenant = await app.CreateTenantAsync();
        var marketer = await CallerAsync(Roles.Marketer, tenant);
        var batchId = await SendAsync(marketer, Phones(600));

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => CancelAsync(batchId, marketer))));
        await app.WaitSettledAsync(batchId);

        Assert.All(results, r => Assert.True(r.IsOk, r.Error?.Message));
        var rows = await RowsAsync(batchId);
        Assert.All(rows, m => Assert.Contains(m.Status, new[] { MessageStatus.Sent, MessageStatus.Cancelled }));
        Assert.Equal(results.Sum(r => r.Value), rows.Count(m => m.Status == MessageStatus.Cancelled));
        var received = app.Services.GetRequiredService<SimulatedProvider>().Received;
        Assert.All(rows, m => Assert.Equal(m.Status == MessageStatus.Sent ? 1 : 0, received.GetValueOrDefault(m.Id)));
        var batch = await BatchAsync(batchId);
        Assert.Equal(600, batch.Sent + batch.Cancelled);
    }

    [Fact]
    public async Task ResendFailed_SendsEachFailedMessageOnceMore_WithinItsRetryLimit()
    {
        var tenant = await app.CreateTenantAsync();
        var marketer = await CallerAsync(Roles.Marketer, tenant);
        // One number the provider always refuses, one it takes.
        var refused = AppFactory.RejectedPrefix + Random.Shared.Next(0, 10_000).ToString("D4");
        var batchId = await SendAsync(marketer, [refused, Phones(1)[0]]);
        await app.WaitSettledAsync(batchId);
        var good = (await RowsAsync(batchId)).Single(m => m.Status == MessageStatus.Sent);

        // Nothing failed yet but the refused one: each resend sends it alone, until its three retries are spent.
        for (var retry = 1; retry <= 3; retry++)
        {
            var resent = await ResendAsync(batchId, marketer);
            Assert.True(resent.IsOk, resent.Error?.Message);
            Assert.Equal(new ResendResult(1, 0), resent.Value);
            await app.WaitSettledAsync(batchId);
            var row = (await RowsAsync(batchId)).Single(m => m.Recipient == refused);
            Assert.Equal((MessageStatus.Failed, retry), (row.Status, row.RetryCount));
        }
        var exhausted = await ResendAsync(batchId, marketer);
        Assert.Equal(new ResendResult(0, 1), exhausted.Value);

        var batch = await BatchAsync(batchId);
        Assert.Equal((1, 1, 0), (batch.Sent, batch.Failed, batch.Pending));
        Assert.Equal(1, app.Services.GetRequiredService<SimulatedProvider>().Received[good.Id]);
        using var db = app.Db();
        var refusedId = (await RowsAsync(batchId)).Single(m => m.Recipient == refused).Id;
        Assert.Equal(4, await db.MessageAttempts.CountAsync(a => a.MessageId == refusedId));
    }

    [Fact]
    public async Task ResendFailed_WhenNothingFailed_ByAnotherTenant_OrByAnAuditor_RequeuesNothing()
    {
        var tenant = await app.CreateTenantAsync();
        var marketer = await CallerAsync(Roles.Marketer, tenant);
        var batchId = await SendAsync(marketer, Phones(3));
        await app.WaitSettledAsync(batchId);

        var nothing = await ResendAsync(batchId, marketer);
        Assert.True(nothing.IsOk, nothing.Error?.Message);
        Assert.Equal(new ResendResult(0, 0), nothing.Value);

        await DropAllAsync(batchId);
        Assert.Equal(ErrorKind.NotFound, (await ResendAsync(batchId, await CallerAsync(Roles.Admin, await app.CreateTenantAsync()))).Error?.Kind);
        Assert.Equal(ErrorKind.NotFound, (await ResendAsync(batchId, await CallerAsync(Roles.Marketer, tenant))).Error?.Kind);
        Assert.Equal(ErrorKind.Forbidden, (await ResendAsync(batchId, await CallerAsync(Roles.Auditor, tenant))).Error?.Kind);
        var batch = await BatchAsync(batchId);
        Assert.Equal((0, 3, 0), (batch.Sent, batch.Failed, batch.Pending));
        Assert.All(await RowsAsync(batchId), m => Assert.Equal((MessageStatus.Failed, 0), (m.Status, m.RetryCount)));
    }

    [Fact]
    public async Task ResendFailed_TwentyAtOnce_SendsEachFailedMessageExactlyOnceMore()
    {
        var tenant = await app.CreateTenantAsync();
        var marketer = await CallerAsync(Roles.Marketer, tenant);
        var batchId = await SendAsync(marketer, Phones(30));
        await app.WaitSettledAsync(batchId);
        await DropAllAsync(batchId);
        Assert.Equal(30, (await BatchAsync(batchId)).Failed);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => ResendAsync(batchId, marketer))));

        Assert.All(results, r => Assert.True(r.IsOk, r.Error?.Message));
        Assert.Equal(30, results.Sum(r => r.Value!.Requeued));
        await app.WaitSettledAsync(batchId);
        var rows = await RowsAsync(batchId);
        Assert.All(rows, m => Assert.Equal((MessageStatus.Sent, 1), (m.Status, m.RetryCount)));
        var received = app.Services.GetRequiredService<SimulatedProvider>().Received;
        Assert.All(rows, m => Assert.Equal(2, received[m.Id]));
        var batch = await BatchAsync(batchId);
        Assert.Equal((30, 30, 0, 0), (batch.Total, batch.Sent, batch.Failed, batch.Pending));
    }
}
