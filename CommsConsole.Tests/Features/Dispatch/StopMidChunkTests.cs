using CommsConsole.Data;
using CommsConsole.Features.Common;
using CommsConsole.Features.Dispatch;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CommsConsole.Tests.Features.Dispatch;

/// <summary>
/// A node told to stop (a deploy, a scale-down) cancels the dispatch job it runs. A chunk the provider has already taken
/// must still have its outcomes written: left "sending", its rows would go out again once their lease ran out.
/// </summary>
public sealed class StopMidChunkTests
{
    /// <summary>Takes every message, then the stop arrives before the job writes what happened.</summary>
    private sealed class StoppedRightAfterAnswering(CancellationTokenSource stop) : IMessageProvider, IProviderResolver
    {
        public int Sent;
        public string Name => "answering";
        public decimal UnitPrice => 0.05m;
        public bool Supports(Channel channel) => true;

        public Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken ct)
        {
            Interlocked.Add(ref Sent, messages.Count);
            IReadOnlyList<SendResult> results = messages.Select(m => new SendResult(m.Id, SendResultKind.Sent, ThirdPartyId: $"ans-{m.Id}", ThirdPartyStatus: "success",
                Response: "{}", Cost: 0.05m)).ToList();
            stop.Cancel();
            return Task.FromResult(results);
        }

        public ValueTask<IMessageProvider> ResolveAsync(string tenantId, Channel channel, CancellationToken ct) => ValueTask.FromResult<IMessageProvider>(this);
    }

    [Fact]
    public async Task AStopAfterTheProviderAnswered_StillWritesTheOutcomes_SoNothingGoesOutTwice()
    {
        await using var app = new AppFactory(null);
        await ((IAsyncLifetime)app).InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var (_, userId) = await app.UserAsync(Roles.Marketer, tenant);
        // Due in ten minutes for the app, so its own dispatch leaves the rows alone; the job below runs on a clock past it.
        var now = DateTimeOffset.UtcNow;
        var recipients = Enumerable.Range(0, 3).Select(i => $"1380013{i:D4}").ToList();
        var receipt = await app.WithAsync<MessagingService, Result<SendReceipt>>(m => m.SendAsync(new SendRequest
        {
            Channel = Channel.Sms, Purpose = Purpose.Transactional, Recipients = recipients, Content = "【Shop】Your order shipped", Source = "api",
            NotBefore = now.AddMinutes(10),
        }, new Caller(userId, tenant, Roles.Marketer), CancellationToken.None));
        Assert.True(receipt.IsOk, receipt.Error?.ToString());
        var batchId = receipt.Value!.Batch.Id;

        using var stop = new CancellationTokenSource();
        var provider = new StoppedRightAfterAnswering(stop);
        var job = new DispatchJob(app.Services.GetRequiredService<IServiceScopeFactory>(), provider, app.Services.GetRequiredService<DispatchQueue>(),
            new FakeTimeProvider(now.AddMinutes(11)), app.Services.GetRequiredService<IOptions<DispatchOptions>>(), NullLogger<DispatchJob>.Instance);

        Assert.Equal(3, await job.RunOnceAsync(stop.Token));

        Assert.True(stop.IsCancellationRequested);
        Assert.Equal(3, provider.Sent);
        using var db = app.Db();
        var rows = await db.Messages.Where(m => m.BatchId == batchId).OrderBy(m => m.Id).ToListAsync();
        Assert.All(rows, m => Assert.Equal((MessageStatus.Sent, $"ans-{m.Id}", (string?)null), (m.Status, m.ThirdPartyId, m.LeaseId)));
        var batch = await db.Batches.SingleAsync(b => b.Id == batchId);
        Assert.Equal((3, 0, 0), (batch.Sent, batch.Sending, batch.Pending));
    }
}
