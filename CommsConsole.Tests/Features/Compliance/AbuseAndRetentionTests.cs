using System.Net;
using System.Security.Cryptography;
using System.Text;
using CommsConsole.Features.Common;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Dashboard;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Compliance;

/// <summary>Request rate limits, with limits low enough to reach: an app of their own.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task OverTheUserLimit_SendEndpointsAnswer429WithRetryAfter_InEachFamilysEnvelope_AndReadsAreNotLimited()
    {
        await using var app = await StartAsync(perUserPerMinute: 2);
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (other, _) = await app.UserAsync(Roles.Integrator, tenant);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/notification/sms/send", new { phone = "13800139201", content = "a" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/communication/bulk", new { channel = "sms", content = "b", recipients = new[] { "13800139202" } })).Status);

        var response = await client.PostAsync("/notification/sms/send", JsonContent("""{"phone":"13800139203","content":"c"}"""));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.InRange(int.Parse(response.Headers.GetValues("Retry-After").Single()), 1, 60);
        var envelope = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(429, envelope.Int("code"));
        Assert.True(envelope.TryGetProperty("data", out _));
        Assert.Contains("too many send requests", envelope.Str("message"));

        var (bulk, bulkBody) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "d", recipients = new[] { "13800139204" } });
        Assert.Equal(HttpStatusCode.TooManyRequests, bulk);
        Assert.Equal(429, bulkBody.Int("code"));
        Assert.True(bulkBody.TryGetProperty("timestamp", out _));

        Assert.Equal(HttpStatusCode.OK, (await client.GetJsonAsync("/communication/logs")).Status);
        Assert.Equal(HttpStatusCode.OK, (await other.PostAsync("/notification/sms/send", new { phone = "13800139205", content = "e" })).Status);
        using var db = app.Db();
        Assert.False(await db.Messages.AnyAsync(m => m.Recipient == "13800139203" || m.Recipient == "13800139204"));
    }

    [Fact]
    public async Task ConsoleSends_ShareTheUsersBudgetWithRestSends_AndTwentyAtOnceGetOnlyTheLimit()
    {
        await using var app = await StartAsync(perUserPerMinute: 3);
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        var caller = new Caller(userId, tenant, Roles.Marketer);
        Task<Result<SendReceipt>> ComposeAsync(Caller who, string phone) => app.WithAsync<ComposeService, Result<SendReceipt>>(c => c.SendAsync(new ComposeDraft
        {
            Channel = Channel.Sms, Content = "【Shop】hello", Purpose = Purpose.Transactional, Recipients = RecipientList.ParseText(phone, Channel.Sms),
        }, who, CancellationToken.None));

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/communication/bulk", new { channel = "sms", content = "a", recipients = new[] { "13800139211" } })).Status);
        Assert.True((await ComposeAsync(caller, "13800139212")).IsOk);
        Assert.True((await ComposeAsync(caller, "13800139213")).IsOk);
        var refused = await ComposeAsync(caller, "13800139214");
        Assert.Equal(ErrorKind.TooManyRequests, refused.Error?.Kind);
        Assert.InRange(refused.Error!.RetryAfter!.Value.TotalSeconds, 1, 60);
        var retried = await app.WithAsync<MessagingService, Result<Message>>(m => m.RetryAsync(1, caller, CancellationToken.None));
        Assert.Equal(ErrorKind.TooManyRequests, retried.Error?.Kind);
        var rest = await client.PostAsync("/notification/sms/send", JsonContent("""{"phone":"13800139215","content":"c"}"""));
        Assert.Equal(HttpStatusCode.TooManyRequests, rest.StatusCode);
        Assert.InRange(int.Parse(rest.Headers.GetValues("Retry-After").Single()), 1, 60);

        var (_, other) = await app.UserAsync(Roles.Marketer, tenant);
        var otherCaller = new Caller(other, tenant, Roles.Marketer);
        var burst = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => ComposeAsync(otherCaller, "138001393" + i.ToString("D2"))));
        Assert.Equal(3, burst.Count(r => r.IsOk));
        Assert.All(burst.Where(r => !r.IsOk), r => Assert.Equal(ErrorKind.TooManyRequests, r.Error!.Kind));

        using var db = app.Db();
        Assert.Equal(3, await db.Messages.CountAsync(m => m.UserId == userId));
        Assert.Equal(3, await db.Messages.CountAsync(m => m.UserId == other));
    }

    private static async Task<AppFactory> StartAsync(int perUserPerMinute)
    {
        var app = new AppFactory(null, new Dictionary<string, string?> { ["Compliance:RateLimits:PerUserPerMinute"] = perUserPerMinute.ToString() });
        await ((IAsyncLifetime)app).InitializeAsync();
        return app;
    }

    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");
}

[Collection(AppCollection.Name)]
public sealed class RepliesAndRetentionTests(SharedApp app)
{
    private static FormUrlEncodedContent Mo(string phone, string content) =>
        Subhook.Form(new Dictionary<string, string> { ["events"] = "mo", ["address"] = phone, ["app"] = "10001", ["content"] = content });

    [Theory]
    [InlineData("TD", true)]
    [InlineData("td", true)]
    [InlineData("t", true)]
    [InlineData(" 退订 ", true)]
    [InlineData("Stop", true)]
    [InlineData("unsubscribe", true)]
    [InlineData("thanks, see you", false)]
    public async Task AnSmsReply_IsRecorded_AndAnUnsubscribeKeywordSuppressesTheNumber(string reply, bool unsubscribes)
    {
        var tenant = await app.CreateTenantAsync();
        var phone = "1390013" + Random.Shared.Next(0, 9999).ToString("D4");
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        await client.PostAsync("/notification/sms/send", new { phone, content = "【Shop】hello" });

        using var anonymous = app.Anonymous();
        var response = await anonymous.PostAsync("/webhooks/submail", Mo("+86" + phone, reply));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using var db = app.Db();
        var recorded = await db.InboundReplies.SingleAsync(r => r.Phone == phone && r.Content == reply);
        Assert.Equal((tenant, unsubscribes), (recorded.TenantId, recorded.Unsubscribed));
        Assert.Contains("\"events\":\"mo\"", recorded.Raw);
        Assert.DoesNotContain("signature", recorded.Raw);
        var suppression = await db.Suppressions.SingleOrDefaultAsync(s => s.TenantId == tenant && s.Address == phone);
        Assert.Equal(unsubscribes, suppression is not null);
        if (suppression is not null) Assert.Equal((Channel.Sms, SuppressionReason.SmsReplyKeyword), (suppression.Channel, suppression.Reason));
    }

    [Fact]
    public async Task RetentionPurge_RemovesOldContentAndRecipients_AndTheDashboardKeepsCountingThem()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        var (_, old) = await client.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "old news", recipients = new[] { "13800139301", "13800139302" } });
        var (_, recent) = await client.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "fresh news", recipients = new[] { "13800139303" } });
        await app.WaitSettledAsync(old.Long("batch_id"));
        await app.WaitSettledAsync(recent.Long("batch_id"));
        await app.SavePolicyAsync(tenant, p => p with { RetentionDays = 3 });
        var fiveDaysAgo = DateTimeOffset.UtcNow.AddDays(-5);
        using (var db = app.Db())
        {
            await db.Messages.Where(m => m.BatchId == old.Long("batch_id")).ExecuteUpdateAsync(s => s.SetProperty(m => m.CreatedAt, fiveDaysAgo));
        }
        var caller = new Caller(userId, tenant, Roles.Marketer);
        var before = await app.WithAsync<DashboardService, DashboardSummary>(d => d.GetAsync(caller, 30, CancellationToken.None));

        var job = app.Services.GetRequiredService<RetentionJob>();
        Assert.Equal(2, await job.RunAsync(CancellationToken.None));
        Assert.Equal(0, await job.RunAsync(CancellationToken.None));

        using (var db = app.Db())
        {
            Assert.False(await db.Messages.AnyAsync(m => m.BatchId == old.Long("batch_id")));
            Assert.False(await db.Messages.AnyAsync(m => m.Content == "old news" || m.Recipient == "13800139301"));
            Assert.True(await db.Messages.AnyAsync(m => m.BatchId == recent.Long("batch_id")));
            var counts = await db.MessageDailyCounts.Where(c => c.TenantId == tenant).ToListAsync();
            var day = Assert.Single(counts);
            Assert.Equal((2, MessageStatus.Sent, userId, fiveDaysAgo.UtcTicks / TimeSpan.TicksPerDay), (day.Count, day.Status, day.UserId, day.Day));
        }
        var after = await app.WithAsync<DashboardService, DashboardSummary>(d => d.GetAsync(caller, 30, CancellationToken.None));
        Assert.Equal((3, 3, before.Cost), (before.Total, after.Total, after.Cost));
        Assert.Equal(before.Days.Where(d => d.Day == DateOnly.FromDateTime(fiveDaysAgo.UtcDateTime)).Sum(d => d.Count),
            after.Days.Where(d => d.Day == DateOnly.FromDateTime(fiveDaysAgo.UtcDateTime)).Sum(d => d.Count));
    }
}
