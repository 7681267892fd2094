using CommsConsole.Data;
using System.Net;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Dashboard;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Compliance;

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
