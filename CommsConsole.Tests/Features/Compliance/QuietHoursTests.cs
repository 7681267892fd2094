using CommsConsole.Features.Compliance;
using CommsConsole.Features.Dispatch;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CommsConsole.Tests.Features.Compliance;

public sealed class QuietHoursTests
{
    /// <summary>The app with a clock the test moves.</summary>
    private sealed class ClockedApp(FakeTimeProvider clock) : AppFactory(null)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(s => s.AddSingleton<TimeProvider>(clock));
        }
    }

    [Fact]
    public void QuietUntil_HandlesWindowsOverMidnight_AndTheTenantsTimeZone()
    {
        var shanghai = PolicyService.FindZone("Asia/Shanghai")!;
        var policy = new EffectivePolicy("t", null, null, 21 * 60, 8 * 60, shanghai, 1, 5, 10, 180, [], true);
        // 22:30 and 03:00 in Shanghai are quiet until 08:00 Shanghai (00:00 UTC); 12:00 is not.
        Assert.Equal(DateTimeOffset.Parse("2026-11-23T00:00:00Z"), policy.QuietUntil(DateTimeOffset.Parse("2026-11-22T14:30:00Z")));
        Assert.Equal(DateTimeOffset.Parse("2026-11-23T00:00:00Z"), policy.QuietUntil(DateTimeOffset.Parse("2026-11-22T19:00:00Z")));
        Assert.Null(policy.QuietUntil(DateTimeOffset.Parse("2026-11-22T04:00:00Z")));
        Assert.Null(policy.QuietUntil(DateTimeOffset.Parse("2026-11-22T00:00:00Z")));
        var daytime = policy with { QuietStartMinutes = 12 * 60, QuietEndMinutes = 14 * 60, TimeZone = TimeZoneInfo.Utc };
        Assert.Equal(DateTimeOffset.Parse("2026-11-22T14:00:00Z"), daytime.QuietUntil(DateTimeOffset.Parse("2026-11-22T12:10:00Z")));
        Assert.Null((policy with { QuietEndMinutes = 21 * 60 }).QuietUntil(DateTimeOffset.Parse("2026-11-22T14:30:00Z")));
    }

    [Fact]
    public async Task MarketingSms_InsideQuietHours_WaitsPendingUntilTheyEnd_TransactionalDoesNot()
    {
        // The clock starts at the real time (tokens are checked against it) and quiet hours are set around it.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = new ClockedApp(clock);
        await ((IAsyncLifetime)app).InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var now = clock.GetUtcNow();
        var start = now.AddMinutes(-30);
        var end = now.AddMinutes(60);
        await app.SavePolicyAsync(tenant, p => p with
        {
            TimeZoneId = "UTC", QuietHoursStart = start.ToString("HH:mm"), QuietHoursEnd = end.ToString("HH:mm"),
        });
        var quietEnds = new DateTimeOffset(end.Year, end.Month, end.Day, end.Hour, end.Minute, 0, TimeSpan.Zero);
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);

        var (_, marketing) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Sale", recipients = new[] { "13800139401" } });
        var (_, transactional) = await client.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "【Shop】Code", recipients = new[] { "13800139402" } });
        Assert.Equal("pending", marketing.GetProperty("items")[0].Str("status"));
        await app.WaitSettledAsync(transactional.Long("batch_id"));

        long id = marketing.GetProperty("items")[0].Str("id")[4..] is var s ? long.Parse(s) : 0;
        using (var db = app.Db())
        {
            var held = await db.Messages.SingleAsync(m => m.Id == id);
            Assert.Equal((MessageStatus.Pending, quietEnds), (held.Status, held.NextAttemptAt));
            Assert.Equal(quietEnds, (await db.Batches.SingleAsync(b => b.Id == held.BatchId)).ScheduledAt);
        }
        var dispatch = app.Services.GetRequiredService<DispatchJob>();
        Assert.Equal(0, await dispatch.RunOnceAsync(CancellationToken.None));

        // Moving the clock also ticks the sweeper, which may start dispatch itself: either way the message goes now.
        clock.Advance(quietEnds - clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        await dispatch.RunOnceAsync(CancellationToken.None);
        await app.WaitUntilAsync(async db => (await db.Messages.SingleAsync(m => m.Id == id)).Status == MessageStatus.Sent, because: "released after quiet hours");
    }

    [Fact]
    public async Task AMarketingSmsClaimedDuringQuietHours_GoesBackToPending_WithItsNextAttemptAtTheirEnd()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = new ClockedApp(clock);
        await ((IAsyncLifetime)app).InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var (_, userId) = await app.UserAsync(Roles.Marketer, tenant);
        // Sent before quiet hours are set (a retry or a schedule that lands inside them later looks the same to dispatch).
        var receipt = await app.WithAsync<MessagingService, CommsConsole.Features.Common.Result<SendReceipt>>(m => m.SendAsync(new SendRequest
        {
            Channel = Channel.Sms, Recipients = ["13800139411"], Content = "【Shop】Later", Source = "console", NotBefore = clock.GetUtcNow().AddMinutes(10),
        }, new Caller(userId, tenant, Roles.Marketer), CancellationToken.None));
        var now = clock.GetUtcNow();
        await app.SavePolicyAsync(tenant, p => p with { TimeZoneId = "UTC", QuietHoursStart = now.AddMinutes(5).ToString("HH:mm"), QuietHoursEnd = now.AddMinutes(40).ToString("HH:mm") });
        var end = now.AddMinutes(40);
        var quietEnds = new DateTimeOffset(end.Year, end.Month, end.Day, end.Hour, end.Minute, 0, TimeSpan.Zero);

        // Due now, inside the quiet hours. Moving the clock ticks the sweeper too, which may claim the row before this call does.
        clock.Advance(TimeSpan.FromMinutes(11));
        await app.Services.GetRequiredService<DispatchJob>().RunOnceAsync(CancellationToken.None);
        var batchId = receipt.Value!.Batch.Id;
        await app.WaitUntilAsync(async db => await db.Messages.AnyAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Pending && m.NextAttemptAt == quietEnds),
            because: "held until the quiet hours end");
        using var db = app.Db();
        var held = await db.Messages.SingleAsync(m => m.BatchId == batchId);
        Assert.Equal((MessageStatus.Pending, quietEnds, 0), (held.Status, held.NextAttemptAt, held.RetryCount));
        Assert.Empty(await db.MessageAttempts.Where(a => a.MessageId == held.Id).ToListAsync());
        var batch = await db.Batches.SingleAsync(b => b.Id == held.BatchId);
        Assert.Equal((1, 0), (batch.Pending, batch.Sending));
    }
}
