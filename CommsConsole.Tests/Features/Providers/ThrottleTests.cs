using CommsConsole.Testing;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Providers;

public sealed class ThrottleTests
{
    [Fact]
    public async Task Dispatch_HoldsSubmailToItsRate_AcrossAllWorkers()
    {
        const int messages = 600, perSecond = 200;
        await using var submail = await FakeSubmailServer.StartAsync();
        await using var app = new AppFactory(null, SubmailSettings.For(submail, new()
        {
            ["Providers:Throttle:Sms:MessagesPerSecond"] = perSecond.ToString(),
            ["Providers:Throttle:Sms:MaxConcurrency"] = "2",
            ["Dispatch:ChunkSize"] = "500",
        }));
        await ((IAsyncLifetime)app).InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var phones = Enumerable.Range(0, messages).Select(i => $"139{i:D8}").ToArray();
        var sentAt = DateTimeOffset.UtcNow;
        var batchId = (await client.PostAsync("/communication/bulk", new { channel = "sms", content = "hi", recipients = phones })).Body.Long("batch_id");
        await app.WaitUntilAsync(async db => await db.Messages.CountAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Sent) == messages,
            TimeSpan.FromSeconds(60));

        // Measured by the provider's clock: N messages at R per second are all in no sooner than N/R seconds after the
        // send (the first slice waits for its second's tokens like the others), and no request carries more than one
        // second's allowance.
        var requests = submail.Requests.Where(r => r.Accepted).OrderBy(r => r.ArrivedAt).ToList();
        Assert.Equal(messages, requests.Sum(r => r.To.Length));
        Assert.All(requests, r => Assert.True(r.To.Length <= perSecond, $"{r.To.Length} numbers in one request"));
        var minimum = TimeSpan.FromSeconds((double)messages / perSecond);
        Assert.True(requests[^1].ArrivedAt - sentAt >= minimum, $"the last of {messages} messages arrived {(requests[^1].ArrivedAt - sentAt).TotalSeconds:F2} s after the send");
    }
}
