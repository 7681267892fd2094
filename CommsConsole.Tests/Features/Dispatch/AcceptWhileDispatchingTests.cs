using System.Net;
using CommsConsole.Data;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace CommsConsole.Tests.Features.Dispatch;

/// <summary>
/// Accepting while dispatching: sends arrive, one large and several at once, while an earlier batch is being claimed and
/// sent. Every row of every batch must end sent, and the provider must have received each message exactly once.
/// </summary>
public sealed class AcceptWhileDispatchingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task BatchesAcceptedDuringDispatch_AreEachSentExactlyOnce_AndCountsMatchRows()
    {
        await using var app = new AppFactory(null, new Dictionary<string, string?>
        {
            ["Providers:Simulated:LatencyMs"] = "20",
            ["Dispatch:ChunkSize"] = "100",
            ["Dispatch:Workers"] = "4",
        });
        await ((IAsyncLifetime)app).InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);

        string[] Phones(int prefix, int n) => Enumerable.Range(0, n).Select(i => $"13{prefix}{i:D8}").ToArray();
        var first = await client.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "first", recipients = Phones(1, 3_000) });
        Assert.Equal(HttpStatusCode.OK, first.Status);
        var firstId = first.Body.Long("batch_id");
        await app.WaitUntilAsync(async db => await db.Messages.AnyAsync(m => m.BatchId == firstId && m.Status == MessageStatus.Sent),
            because: "the first batch is being dispatched");

        // While it dispatches: one large accept and five small ones at the same moment.
        var sends = new[] { client.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "second", recipients = Phones(2, 3_000) }) }
            .Concat(Enumerable.Range(3, 5).Select(p => client.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "small", recipients = Phones(p, 200) })))
            .ToList();
        var answers = await Task.WhenAll(sends);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        var batchIds = answers.Select(a => a.Body.Long("batch_id")).Append(firstId).ToList();
        const int total = 3_000 + 3_000 + 5 * 200;

        await app.WaitUntilAsync(async db => await db.Messages.CountAsync(m => batchIds.Contains(m.BatchId) && m.Status == MessageStatus.Sent) == total,
            TimeSpan.FromSeconds(120), "every message of every batch sent");

        using var check = app.Db();
        var attempts = await check.MessageAttempts.GroupBy(a => a.MessageId).Select(g => g.Count()).ToListAsync();
        Assert.Equal(total, attempts.Count);
        Assert.All(attempts, n => Assert.Equal(1, n));
        foreach (var batch in await check.Batches.Where(b => batchIds.Contains(b.Id)).ToListAsync())
        {
            Assert.Equal((batch.Total, 0, 0, 0), (batch.Sent, batch.Pending, batch.Sending, batch.Failed));
        }
        var received = File.ReadAllLines(app.RecordPath).Where(l => l.Length > 0).Select(long.Parse).ToList();
        output.WriteLine($"{total} messages in {batchIds.Count} batches; the provider received {received.Count}");
        Assert.Equal(total, received.Count);
        Assert.Equal(total, received.Distinct().Count());
    }
}
