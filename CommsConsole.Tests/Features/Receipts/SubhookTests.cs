using System.Net;
using System.Text;
using CommsConsole.Data;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

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

    private const long At = 1_767_225_600;

    private static Dictionary<string, string> Fields(string events, string sendId, string key = AppFactory.SubhookKey, string? report = null,
        string? token = null, long? timestamp = null)
    {
        var fields = new Dictionary<string, string> { ["events"] = events, ["address"] = "13800138000", ["app"] = "10001", ["send_id"] = sendId, ["tag"] = "1" };
        if (timestamp is { } t) fields["timestamp"] = t.ToString();
        if (report is not null) fields["report"] = report;
        return Subhook.Fields(fields, key, token);
    }

    private static FormUrlEncodedContent Event(string events, string sendId, string key = AppFactory.SubhookKey, string? report = null,
        string? token = null, long? timestamp = null) => new(Fields(events, sendId, key, report, token, timestamp));

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(HttpContent content)
    {
        using var client = app.Anonymous();
        var response = await client.PostAsync("/webhooks/submail", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Delivered_MarksTheMessageDelivered_Once_AndMovesTheBatchCount()
    {
        var (id, batchId, sendId) = await SentMessageAsync();

        var at = Now - 5;
        var (status, body) = await PostAsync(Event("delivered", sendId, timestamp: at));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"applied\"", body);
        var (again, againBody) = await PostAsync(Event("delivered", sendId));
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Contains("already applied", againBody);

        using var db = app.Db();
        var m = await db.Messages.SingleAsync(x => x.Id == id);
        Assert.Equal(MessageStatus.Delivered, m.Status);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(at), m.DeliveredAt);
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

    [Theory]
    [InlineData("dropped")]
    [InlineData("mo")]
    public async Task CapturedToken_ReplayedWithAnotherEvent_Is409_AndChangesNothing(string replayed)
    {
        var (id, _, sendId) = await SentMessageAsync();
        var token = Guid.NewGuid().ToString("N");
        var (first, _) = await PostAsync(Event("sending", sendId, token: token));
        Assert.Equal(HttpStatusCode.OK, first);

        var replay = Fields(replayed, sendId, report: "UNDELIV", token: token);
        replay["content"] = "STOP";
        var (status, body) = await PostAsync(new FormUrlEncodedContent(replay));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("\"code\":409", body);
        Assert.Contains("token:", body);

        using var db = app.Db();
        Assert.Equal(MessageStatus.Sent, (await db.Messages.SingleAsync(x => x.Id == id)).Status);
        Assert.False(await db.InboundReplies.AnyAsync(r => r.SendId == sendId));
        var tenant = (await db.Messages.SingleAsync(x => x.Id == id)).TenantId;
        Assert.False(await db.Suppressions.AnyAsync(s => s.TenantId == tenant));
    }

    [Theory]
    [InlineData(-601)]
    [InlineData(601)]
    [InlineData(-1_767_225_600)]
    public async Task EventDatedOutsideTheReplayWindow_Is400NamingTheTimestamp_AndChangesNothing(long offset)
    {
        var (id, _, sendId) = await SentMessageAsync();
        var (status, body) = await PostAsync(Event("dropped", sendId, timestamp: Now + offset));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("timestamp:", body);
        using var db = app.Db();
        Assert.Equal(MessageStatus.Sent, (await db.Messages.SingleAsync(x => x.Id == id)).Status);
    }

    [Fact]
    public async Task SameEventDeliveredTwice_Is200BothTimes_AndAppliedOnce()
    {
        var (_, _, sendId) = await SentMessageAsync();
        var mo = Fields("mo", sendId);
        mo["content"] = "see you";
        var (first, _) = await PostAsync(new FormUrlEncodedContent(mo));
        var (second, body) = await PostAsync(new FormUrlEncodedContent(mo));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first, second));
        Assert.Contains("duplicate delivery", body);
        using var db = app.Db();
        Assert.Equal(1, await db.InboundReplies.CountAsync(r => r.SendId == sendId));
    }

    [Fact]
    public async Task TwentyConcurrentDeliveries_OfOneEvent_AreAppliedOnce_AndOfOneTokenWithOtherEvents_OneIsApplied()
    {
        var (_, _, sendId) = await SentMessageAsync();
        var mo = Fields("mo", sendId);
        mo["content"] = "hello";
        var same = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PostAsync(new FormUrlEncodedContent(mo))));
        Assert.All(same, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Single(same, r => r.Body.Contains("\"applied\""));

        var token = Guid.NewGuid().ToString("N");
        var different = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
        {
            var fields = Fields("mo", sendId, token: token);
            fields["content"] = "reply " + i;
            return PostAsync(new FormUrlEncodedContent(fields));
        }));
        Assert.Single(different, r => r.Status == HttpStatusCode.OK);
        Assert.Equal(19, different.Count(r => r.Status == HttpStatusCode.Conflict));

        using var db = app.Db();
        Assert.Equal(2, await db.InboundReplies.CountAsync(r => r.SendId == sendId));
    }

    [Fact]
    public async Task RetentionJob_ForgetsTokensOnlyAfterTheirDays_NotWhenTheReplayWindowCloses()
    {
        // Past the window a token could be replayed re-dated, so it is kept for Providers:Submail:SubhookTokenDays (180).
        var (old, pastWindow, fresh) = (Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));
        using (var db = app.Db())
        {
            db.SeenWebhookTokens.Add(new SeenWebhookToken { Scope = "", Token = old, EventHash = "x", SeenAt = DateTimeOffset.UtcNow.AddDays(-181) });
            db.SeenWebhookTokens.Add(new SeenWebhookToken { Scope = "", Token = pastWindow, EventHash = "x", SeenAt = DateTimeOffset.UtcNow.AddSeconds(-700) });
            db.SeenWebhookTokens.Add(new SeenWebhookToken { Scope = "", Token = fresh, EventHash = "x", SeenAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        await app.Services.GetRequiredService<RetentionJob>().RunAsync(CancellationToken.None);
        using var after = app.Db();
        Assert.Equal(new[] { pastWindow, fresh }.Order(),
            (await after.SeenWebhookTokens.Where(t => t.Token == old || t.Token == pastWindow || t.Token == fresh).Select(t => t.Token).ToListAsync()).Order());
    }

    [Fact]
    public async Task EventForAnUnknownSendId_IsAcknowledgedAndIgnored()
    {
        var (status, body) = await PostAsync(Event("delivered", "no-such-send-id"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("unknown send id", body);
    }
}
