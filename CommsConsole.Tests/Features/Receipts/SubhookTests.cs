using System.Net;
using System.Security.Cryptography;
using System.Text;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Receipts;

[Collection(AppCollection.Name)]
public sealed class SubhookTests(SharedApp app)
{
    private async Task<(long Id, long BatchId, string SendId)> SentMessageAsync()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var data = (await client.PostAsync("/notification/sms/send", new { phone = "13800138000", content = "hi" })).Body.GetProperty("data");
        Assert.Equal("success", data.Str("status"));
        using var db = app.Db();
        var m = await db.Messages.SingleAsync(x => x.Id == data.Long("logId"));
        return (m.Id, m.BatchId, m.ThirdPartyId!);
    }

    private static FormUrlEncodedContent Event(string events, string sendId, string key = AppFactory.SubhookKey, string? report = null)
    {
        var token = Guid.NewGuid().ToString("N");
        var signature = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(token + key)));
        var fields = new Dictionary<string, string>
        {
            ["events"] = events, ["address"] = "13800138000", ["app"] = "10001", ["send_id"] = sendId, ["tag"] = "1",
            ["timestamp"] = "1767225600", ["token"] = token, ["signature"] = signature,
        };
        if (report is not null) fields["report"] = report;
        return new FormUrlEncodedContent(fields);
    }

    private async Task<(HttpStatusCode, string)> PostAsync(HttpContent content)
    {
        using var client = app.Anonymous();
        var response = await client.PostAsync("/webhooks/submail", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Delivered_MarksTheMessageDelivered_Once_AndMovesTheBatchCount()
    {
        var (id, batchId, sendId) = await SentMessageAsync();

        var (status, body) = await PostAsync(Event("delivered", sendId));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"applied\"", body);
        var (again, againBody) = await PostAsync(Event("delivered", sendId));
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Contains("already applied", againBody);

        using var db = app.Db();
        var m = await db.Messages.SingleAsync(x => x.Id == id);
        Assert.Equal(MessageStatus.Delivered, m.Status);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767225600), m.DeliveredAt);
        var batch = await db.Batches.SingleAsync(b => b.Id == batchId);
        Assert.Equal((0, 1), (batch.Sent, batch.Delivered));
    }

    [Fact]
    public async Task Dropped_FailsTheMessage_WithTheReport()
    {
        var (id, _, sendId) = await SentMessageAsync();
        var (status, _) = await PostAsync(Event("dropped", sendId, report: "UNDELIV"));
        Assert.Equal(HttpStatusCode.OK, status);
        using var db = app.Db();
        var m = await db.Messages.SingleAsync(x => x.Id == id);
        Assert.Equal(MessageStatus.Failed, m.Status);
        Assert.Contains("UNDELIV", m.Error);
    }

    [Fact]
    public async Task WronglySignedEvent_Is401_AndChangesNothing()
    {
        var (id, _, sendId) = await SentMessageAsync();
        var (status, body) = await PostAsync(Event("delivered", sendId, key: "not-the-key"));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("\"code\":401", body);
        using var db = app.Db();
        Assert.Equal(MessageStatus.Sent, (await db.Messages.SingleAsync(x => x.Id == id)).Status);
    }

    [Fact]
    public async Task EventForAnUnknownSendId_IsAcknowledgedAndIgnored()
    {
        var (status, body) = await PostAsync(Event("delivered", "no-such-send-id"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("unknown send id", body);
    }
}

[Collection(AppCollection.Name)]
public sealed class SubhookBadInputTests(SharedApp app)
{
    [Theory]
    [InlineData("application/json", "{\"events\":")]
    [InlineData("application/json", "[1,2]")]
    [InlineData("text/plain", "events=delivered")]
    public async Task MalformedReport_Is400NotAServerError(string contentType, string body)
    {
        using var client = app.Anonymous();
        var response = await client.PostAsync("/webhooks/submail", new StringContent(body, Encoding.UTF8, contentType));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"code\":400", await response.Content.ReadAsStringAsync());
    }
}
