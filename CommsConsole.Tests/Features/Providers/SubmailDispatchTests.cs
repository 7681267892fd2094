using System.Net;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Testing;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Providers;

/// <summary>Configured as the SMS provider, SUBMAIL carries what dispatch sends, end to end over real HTTP.</summary>
public sealed class SubmailDispatchTests
{
    [Fact]
    public async Task BulkSend_ThroughSubmail_IsSignedGroupedAndRecordedPerMessage()
    {
        await using var submail = await FakeSubmailServer.StartAsync();
        submail.Fee = 2;
        submail.FailNumbers["13800000003"] = ("114", "number is in blacklist");
        await using var app = new AppFactory(null, SubmailSettings.For(submail, new()
        {
            ["Providers:Submail:SignType"] = "sha1",
            ["Providers:Submail:UnitPrice"] = "0.04",
        }));
        await ((IAsyncLifetime)app).InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);

        var (status, body) = await client.PostAsync("/communication/bulk", new
        {
            channel = "sms", purpose = "transactional", content = "您的验证码是{{code}}", variables = new { code = "2468" },
            recipients = new[] { "13800000001", "13800000002", "13800000003" },
        });
        Assert.Equal(HttpStatusCode.OK, status);
        var batchId = body.Long("batch_id");
        await app.WaitUntilAsync(async db => !await db.Messages.AnyAsync(m => m.BatchId == batchId && (m.Status == MessageStatus.Pending || m.Status == MessageStatus.Sending)));

        var request = Assert.Single(submail.Requests);
        Assert.True(request.Accepted);
        Assert.Equal("【CommsConsole】您的验证码是2468", request.Form["content"]);
        Assert.Equal(batchId.ToString(), request.Form["tag"]);
        using var db = app.Db();
        var rows = await db.Messages.Where(m => m.BatchId == batchId).OrderBy(m => m.Recipient).ToListAsync();
        Assert.All(rows, m => Assert.Equal("submail", m.Provider));
        Assert.Equal([MessageStatus.Sent, MessageStatus.Sent, MessageStatus.Failed], rows.Select(m => m.Status));
        Assert.Equal(0.08m, rows[0].Cost);
        Assert.False(string.IsNullOrEmpty(rows[0].ThirdPartyId));
        Assert.Contains("blacklist", rows[2].Error);
    }
}

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

/// <summary>App settings that make SUBMAIL, at the fake server, the installation's SMS provider; <c>extra</c> adds or overrides.</summary>
public static class SubmailSettings
{
    public static Dictionary<string, string?> For(FakeSubmailServer server, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Providers:Sms"] = "submail",
            ["Providers:Submail:BaseUrl"] = server.BaseUrl.ToString().TrimEnd('/'),
            ["Providers:Submail:AppId"] = FakeSubmailServer.AppId,
            ["Providers:Submail:AppKey"] = FakeSubmailServer.AppKey,
            ["Providers:Submail:Signature"] = "【CommsConsole】",
        };
        foreach (var (key, value) in extra ?? []) settings[key] = value;
        return settings;
    }
}
