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
            // One dispatch worker: with two, the sweeper's kick and the send's may claim the three rows between them and
            // send them in two requests, which is correct but not the grouping this test looks at.
            ["Dispatch:Workers"] = "1",
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
