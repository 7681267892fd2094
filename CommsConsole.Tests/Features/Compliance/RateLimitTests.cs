using CommsConsole.Data;
using System.Net;
using System.Text;
using CommsConsole.Features.Messaging;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

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
