using System.Net;
using System.Text.Json;
using CommsConsole.Data;
using CommsConsole.Features.Tenancy;
using CommsConsole.Testing;
using CommsConsole.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Webhooks;

[Collection(WebhookCollection.Name)]
public sealed class WebhookDeliveryTests(WebhookApp app)
{
    private async Task<(HttpClient Admin, string Tenant)> TenantAdminAsync()
    {
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        return (admin, tenant);
    }

    private static async Task<long> SendAsync(HttpClient client, string phone = "13800138000")
    {
        var (status, body) = await client.PostAsync("/notification/sms/send", new
        {
            phone, content = "您的验证码是123456", bizType = "order_notice", bizId = 9001, receiverId = 77, receiverName = "Li Lei",
        });
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data").Long("logId");
    }

    private static JsonElement Parse(WebhookReceiver.Received r) => JsonDocument.Parse(r.Body).RootElement.Clone();

    [Fact]
    public async Task SentMessage_ProducesSignedMessageSent_ThatAnIndependentVerifierAccepts()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (admin, tenant) = await TenantAdminAsync();
        var (_, secret) = await admin.EndpointAsync(receiver.Url, "message.sent");

        var logId = await SendAsync(admin);
        await receiver.WaitForAsync(1, "message.sent");

        var r = Assert.Single(receiver.Requests);
        Assert.True(StandardWebhooks.Verifies(secret, r), "the signature does not verify: " + r.Signature);
        Assert.False(StandardWebhooks.Verifies("whsec_" + Convert.ToBase64String(new byte[32]), r), "a wrong secret verified");
        Assert.StartsWith("msg_", r.Id);
        Assert.InRange(long.Parse(r.Timestamp), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
        var body = Parse(r);
        Assert.Equal("message.sent", body.Str("type"));
        var data = body.GetProperty("data");
        Assert.Equal("log_" + logId, data.Str("id"));
        Assert.Equal(logId, data.Long("log_id"));
        Assert.Equal(tenant, data.Str("tenant_id"));
        Assert.Equal("sms", data.Str("channel"));
        Assert.Equal("sent", data.Str("status"));
        Assert.Equal("order_notice", data.Str("biz_type"));
        Assert.Equal(9001, data.Long("biz_id"));
        Assert.Equal(77, data.Long("receiver_id"));
        Assert.False(string.IsNullOrEmpty(data.Str("provider")));
        Assert.True(data.GetProperty("batch_id").GetInt64() > 0);
    }

    [Fact]
    public async Task FailedAndDeliveredMessages_ProduceTheirEvents_AndAnUnwantedEventIsNotRecorded()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (admin, tenant) = await TenantAdminAsync();
        await admin.EndpointAsync(receiver.Url, "message.failed", "message.delivered");

        var failed = await SendAsync(admin, AppFactory.RejectedPrefix + "0001");
        await receiver.WaitForAsync(1, "message.failed");
        var data = Parse(Assert.Single(receiver.Requests)).GetProperty("data");
        Assert.Equal(failed, data.Long("log_id"));
        Assert.Equal("failed", data.Str("status"));
        Assert.False(string.IsNullOrEmpty(data.Str("error")));

        var sent = await SendAsync(admin);
        string sendId;
        using (var db = app.Db()) sendId = (await db.Messages.SingleAsync(m => m.Id == sent)).ThirdPartyId!;
        using var anonymous = app.Anonymous();
        var report = await anonymous.PostAsync("/webhooks/submail", Subhook.Form(new Dictionary<string, string>
        {
            ["events"] = "delivered", ["address"] = "13800138000", ["app"] = "10001", ["send_id"] = sendId, ["tag"] = "1",
        }));
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        await receiver.WaitForAsync(2, "message.delivered");
        var delivered = Parse(receiver.Requests.Last());
        Assert.Equal("message.delivered", delivered.Str("type"));
        Assert.Equal(sent, delivered.GetProperty("data").Long("log_id"));

        // message.sent was not asked for: not one row of it was written.
        using var check = app.Db();
        Assert.False(await check.WebhookDeliveries.AnyAsync(d => d.TenantId == tenant && d.Event == "message.sent"));
    }

    [Fact]
    public async Task ATenantWithoutEndpoints_GetsNoOutboxRows()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (other, _) = await TenantAdminAsync();
        await other.EndpointAsync(receiver.Url, "message.sent");
        var (admin, tenant) = await TenantAdminAsync();

        var logId = await SendAsync(admin);
        await app.WaitUntilAsync(db => db.Messages.AnyAsync(m => m.Id == logId && m.Status == MessageStatus.Sent));

        using var db = app.Db();
        Assert.False(await db.WebhookDeliveries.AnyAsync(d => d.TenantId == tenant));
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task RotatedSecret_BothOldAndNewVerify_DuringTheOverlap()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (admin, _) = await TenantAdminAsync();
        var (id, oldSecret) = await admin.EndpointAsync(receiver.Url, "message.sent");
        var (status, rotated) = await admin.PostAsync($"/webhooks/endpoints/{id}/rotate-secret", new { });
        Assert.Equal(HttpStatusCode.OK, status);
        var newSecret = rotated.Str("secret");
        Assert.NotEqual(oldSecret, newSecret);
        Assert.False(string.IsNullOrEmpty(rotated.Str("previous_secret_expires_at")));

        await SendAsync(admin);
        await receiver.WaitForAsync(1, "message.sent after a rotation");
        var r = Assert.Single(receiver.Requests);
        Assert.Equal(2, r.Signature.Split(' ').Length);
        Assert.True(StandardWebhooks.Verifies(oldSecret, r), "the previous secret no longer verifies during the overlap");
        Assert.True(StandardWebhooks.Verifies(newSecret, r), "the new secret does not verify");

        // The secret is never shown again.
        var (_, listed) = await admin.GetJsonAsync($"/webhooks/endpoints/{id}");
        Assert.False(listed.TryGetProperty("secret", out _));
    }

    [Fact]
    public async Task Answering500Twice_ThenOk_IsOneEventInThreeAttempts()
    {
        await using var receiver = await WebhookReceiver.StartAsync((n, context) =>
        {
            context.Response.StatusCode = n <= 2 ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK;
            return context.Response.WriteAsync(n <= 2 ? "busy" : "thanks");
        });
        var (admin, _) = await TenantAdminAsync();
        var (id, secret) = await admin.EndpointAsync(receiver.Url, "message.sent");

        await SendAsync(admin);
        await receiver.WaitForAsync(3, "two 500s and a 200");
        var requests = receiver.Requests.ToList();
        Assert.Single(requests.Select(r => r.Id).Distinct());
        Assert.All(requests, r => Assert.True(StandardWebhooks.Verifies(secret, r)));

        await app.WaitUntilAsync(db => db.WebhookDeliveries.AnyAsync(d => d.EndpointId == id && d.Status == WebhookDeliveryStatus.Succeeded));
        var (_, deliveries) = await admin.GetJsonAsync($"/webhooks/endpoints/{id}/deliveries");
        var delivery = Assert.Single(deliveries.GetProperty("items").EnumerateArray());
        Assert.Equal("succeeded", delivery.Str("status"));
        Assert.Equal(3, delivery.Int("attempts"));
        var history = delivery.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal([200, 500, 500], history.Select(a => a.Int("status_code")));
        Assert.Equal("thanks", history[0].Str("response"));
        Assert.Equal(3, receiver.Requests.Count);
    }

    [Fact]
    public async Task Answering410_DisablesTheEndpoint_WithTheReason()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, context) =>
        {
            context.Response.StatusCode = StatusCodes.Status410Gone;
            return Task.CompletedTask;
        });
        var (admin, _) = await TenantAdminAsync();
        var (id, _) = await admin.EndpointAsync(receiver.Url, "message.sent");

        await SendAsync(admin);
        await app.WaitUntilAsync(db => db.WebhookEndpoints.AnyAsync(e => e.Id == id && !e.Enabled));
        var (_, endpoint) = await admin.GetJsonAsync($"/webhooks/endpoints/{id}");
        Assert.False(endpoint.GetProperty("enabled").GetBoolean());
        Assert.Equal("gone", endpoint.Str("disabled_reason"));

        // Disabled: the next message raises nothing for it, and the 410 was not retried.
        await SendAsync(admin);
        using var db = app.Db();
        var deliveries = await db.WebhookDeliveries.Where(d => d.EndpointId == id).ToListAsync();
        Assert.Equal(WebhookDeliveryStatus.Failed, Assert.Single(deliveries).Status);
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task NoAnswerInTime_IsRetried()
    {
        var release = new TaskCompletionSource();
        await using var receiver = await WebhookReceiver.StartAsync(async (n, context) =>
        {
            // The first request hangs past the app's three-second deadline (until the test ends); the second is answered.
            if (n == 1) await Task.WhenAny(release.Task, Task.Delay(Timeout.Infinite, context.RequestAborted));
            await context.Response.WriteAsync("ok");
        });
        try
        {
            var (admin, _) = await TenantAdminAsync();
            var (id, _) = await admin.EndpointAsync(receiver.Url, "message.sent");
            await SendAsync(admin);
            await app.WaitUntilAsync(db => db.WebhookDeliveries.AnyAsync(d => d.EndpointId == id && d.Status == WebhookDeliveryStatus.Succeeded));

            using var db = app.Db();
            var attempts = await db.WebhookAttempts.Where(a => a.EndpointId == id).OrderBy(a => a.Number).ToListAsync();
            Assert.Equal(2, attempts.Count);
            Assert.Null(attempts[0].StatusCode);
            Assert.Contains("no answer", attempts[0].Error);
            Assert.Equal(200, attempts[1].StatusCode);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task AHugeOrHangingResponseBody_DoesNotHurt()
    {
        var release = new TaskCompletionSource();
        await using var receiver = await WebhookReceiver.StartAsync(async (n, context) =>
        {
            var chunk = new string('x', 64 * 1024);
            if (n == 1)
            {
                // 8 MB, written as fast as it is read.
                for (var i = 0; i < 128 && !context.RequestAborted.IsCancellationRequested; i++) await context.Response.WriteAsync(chunk, context.RequestAborted);
                return;
            }
            // A status and a first kilobyte, then a body that never ends.
            await context.Response.WriteAsync(chunk[..2000], context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.WhenAny(release.Task, Task.Delay(Timeout.Infinite, context.RequestAborted));
        });
        try
        {
            var (admin, _) = await TenantAdminAsync();
            var (id, _) = await admin.EndpointAsync(receiver.Url, "message.sent");
            await SendAsync(admin);
            await SendAsync(admin, "13800138001");
            await app.WaitUntilAsync(db => db.WebhookDeliveries.CountAsync(d => d.EndpointId == id && d.Status == WebhookDeliveryStatus.Succeeded).ContinueWith(t => t.Result == 2));

            using var db = app.Db();
            var attempts = await db.WebhookAttempts.Where(a => a.EndpointId == id).ToListAsync();
            Assert.Equal(2, attempts.Count);
            Assert.All(attempts, a =>
            {
                Assert.Equal(200, a.StatusCode);
                Assert.True(a.ResponseExcerpt is null || a.ResponseExcerpt.Length <= 1024, "the excerpt is over a kilobyte");
            });
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task AThousandMessages_AreEachDeliveredExactlyOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (admin, _) = await TenantAdminAsync();
        var (id, secret) = await admin.EndpointAsync(receiver.Url, "message.sent");

        var recipients = Enumerable.Range(0, 1000).Select(i => $"1390000{i:0000}").ToArray();
        var (status, body) = await admin.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "Hello", recipients });
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        await app.WaitUntilAsync(db => db.WebhookDeliveries.CountAsync(d => d.EndpointId == id && d.Status == WebhookDeliveryStatus.Succeeded)
            .ContinueWith(t => t.Result == 1000), TimeSpan.FromSeconds(120), "1,000 deliveries");

        // Exactly once as a receiver sees it: one webhook-id per message, and no message under two ids. (A request the
        // app timed out on a busy machine comes again under the same id, which a receiver drops.)
        var requests = receiver.Requests.ToList();
        var byId = requests.GroupBy(r => r.Id).ToList();
        Assert.Equal(1000, byId.Count);
        Assert.All(byId, g => Assert.Single(g.Select(r => r.Body).Distinct()));
        Assert.Equal(1000, byId.Select(g => Parse(g.First()).GetProperty("data").Long("log_id")).Distinct().Count());
        Assert.All(requests.Take(20), r => Assert.True(StandardWebhooks.Verifies(secret, r)));
        using var db = app.Db();
        Assert.Equal(1000, await db.WebhookDeliveries.CountAsync(d => d.EndpointId == id));
        Assert.True(await db.WebhookAttempts.CountAsync(a => a.EndpointId == id) >= 1000);
    }

    [Fact]
    public async Task AnOptOut_AMarketingSendToIt_AndTheBatchsEnd_ProduceTheirEvents()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (admin, tenant) = await TenantAdminAsync();
        await admin.EndpointAsync(receiver.Url, "contact.unsubscribed", "message.suppressed", "batch.completed");
        using (var scope = app.Services.CreateScope())
        {
            var suppressions = scope.ServiceProvider.GetRequiredService<CommsConsole.Features.Compliance.SuppressionService>();
            Assert.True(await suppressions.AddAsync(tenant, Channel.Sms, "13800138009", SuppressionReason.Admin, "asked by phone", "test", CancellationToken.None));
        }
        await receiver.WaitForAsync(1, "contact.unsubscribed");
        var unsubscribed = Parse(Assert.Single(receiver.Requests));
        Assert.Equal("contact.unsubscribed", unsubscribed.Str("type"));
        Assert.Equal("13800138009", unsubscribed.GetProperty("data").Str("address"));
        Assert.Equal("sms", unsubscribed.GetProperty("data").Str("channel"));

        var (status, body) = await admin.PostAsync("/communication/bulk", new
        {
            channel = "sms", purpose = "marketing", content = "【Shop】Sale today", recipients = new[] { "13800138009", "13800138010" },
        });
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        await receiver.WaitForAsync(3, "message.suppressed and batch.completed");
        var events = receiver.Requests.Skip(1).Select(Parse).ToList();
        var suppressed = Assert.Single(events, e => e.Str("type") == "message.suppressed");
        Assert.Equal("suppressed", suppressed.GetProperty("data").Str("status"));
        var completed = Assert.Single(events, e => e.Str("type") == "batch.completed");
        Assert.Equal(2, completed.GetProperty("data").Int("total"));
        Assert.Equal(1, completed.GetProperty("data").Int("suppressed"));
    }
    /// <summary>
    /// Erasing a contact anonymises the contact.unsubscribed events of its opt-out, whether already delivered or not; the
    /// same number's event in another tenant is that tenant's and is left as it is.
    /// </summary>
    [Fact]
    public async Task ErasingAContact_AnonymisesTheWebhookEventsOfItsOptOut_ButNotAnotherTenants()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (admin, tenant) = await TenantAdminAsync();
        var (other, otherTenant) = await TenantAdminAsync();
        await admin.EndpointAsync(receiver.Url, "contact.unsubscribed");
        await other.EndpointAsync(receiver.Url, "contact.unsubscribed");
        const string Phone = "13800138077";
        var contact = default(JsonElement);
        foreach (var who in new[] { admin, other })
        {
            var (created, body) = await who.PostAsync("/communication/contacts", new { phone = Phone, name = "Erased soon" });
            Assert.True(created is HttpStatusCode.OK or HttpStatusCode.Created, body.ToString());
            var (status, answer) = await who.PostAsync($"/communication/contacts/{body.Long("id")}/consent", new { channel = "sms", subscribed = false, how = "admin", note = "called the shop" });
            Assert.True(status == HttpStatusCode.OK, answer.ToString());
            if (who == admin) contact = body;
        }
        await receiver.WaitForAsync(2, "two contact.unsubscribed events");

        var (erased, _) = await admin.DeleteJsonAsync($"/communication/contacts/{contact.Long("id")}");
        Assert.Equal(HttpStatusCode.OK, erased);

        using var db = app.Db();
        var mine = Assert.Single(await db.WebhookDeliveries.AsNoTracking().Where(d => d.TenantId == tenant).ToListAsync());
        Assert.DoesNotContain(Phone, mine.Data);
        Assert.DoesNotContain("called the shop", mine.Data);
        Assert.Equal(CommsConsole.Features.Messaging.MessageLedger.ErasedMarker, JsonDocument.Parse(mine.Data!).RootElement.Str("address"));
        var theirs = Assert.Single(await db.WebhookDeliveries.AsNoTracking().Where(d => d.TenantId == otherTenant).ToListAsync());
        Assert.Contains(Phone, theirs.Data);
    }
}
