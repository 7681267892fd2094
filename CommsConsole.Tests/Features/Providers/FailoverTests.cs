using System.Net;
using CommsConsole.Testing;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Providers;

/// <summary>A tenant's fallback carries its messages while the primary is failing, and the log says which provider did.</summary>
public sealed class FailoverTests
{
    [Fact]
    public async Task FailingSubmail_OpensTheCircuit_AndTheFallbackCarriesTheMessages()
    {
        await using var submail = await FakeSubmailServer.StartAsync();
        submail.HttpStatus = 503;
        await using var app = new AppFactory(null, new Dictionary<string, string?>
        {
            ["Providers:Circuit:MinimumThroughput"] = "2",
            ["Providers:Circuit:BreakSeconds"] = "60",
            // The tests' 5 s lease can run out on a loaded machine while a chunk's answer is being written; the chunk is then
            // claimed again and sent once more (the one in-flight chunk the dispatcher allows), which is not what this counts.
            ["Dispatch:LeaseSeconds"] = "60",
        });
        await ((IAsyncLifetime)app).InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/admin/providers/sms/primary", new
        {
            kind = "submail", app_id = FakeSubmailServer.AppId, app_key = FakeSubmailServer.AppKey, base_url = submail.BaseUrl.ToString(), signature = "【T】",
        })).Status);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/admin/providers/sms/fallback", new { kind = "simulated" })).Status);

        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var phones = Enumerable.Range(0, 5).Select(i => $"1380000010{i}").ToArray();
        var batchId = (await marketer.PostAsync("/communication/bulk", new { channel = "sms", content = "hi", recipients = phones })).Body.Long("batch_id");
        await app.WaitUntilAsync(async d => !await d.Messages.AnyAsync(m => m.BatchId == batchId && m.Status != MessageStatus.Sent),
            because: "every message sent, through the fallback once the primary's circuit opened");

        using var db = app.Db();
        var rows = await db.Messages.Where(m => m.BatchId == batchId).ToListAsync();
        Assert.All(rows, m => Assert.Equal("simulated", m.Provider));
        var ids = rows.Select(m => m.Id).ToList();
        var attempts = await db.MessageAttempts.Where(x => ids.Contains(x.MessageId)).OrderBy(x => x.Number).ToListAsync();
        // Two chunks failed at SUBMAIL (503) before the circuit opened; the third attempt went to the fallback.
        Assert.All(attempts.GroupBy(x => x.MessageId), perMessage =>
        {
            Assert.Equal([1, 2, 3], perMessage.Select(x => x.Number));
            Assert.Equal(["submail", "submail", "simulated"], perMessage.Select(x => x.Provider));
            Assert.Equal(["retry", "retry", "sent"], perMessage.Select(x => x.Outcome));
        });
        Assert.Equal(2, submail.Requests.Count);

        // The API's log detail names the provider that carried the message.
        var (_, log) = await marketer.GetJsonAsync("/communication/logs");
        var items = log.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(5, items.Count);
        Assert.All(items, i => Assert.Equal("simulated", i.Str("provider")));
    }

    [Fact]
    public async Task TenantSmtpAccount_DeliversToThePeer_FromTheTenantsSender()
    {
        await using var peer = await SmtpPeer.StartAsync();
        await using var app = new AppFactory(null);
        await ((IAsyncLifetime)app).InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        var (status, saved) = await admin.PutAsync("/admin/providers/email/primary", new
        {
            kind = "smtp", host = "127.0.0.1", port = peer.Port, security = "none", from_address = "news@tenant.example", from_name = "Tenant News",
            user_name = (string?)null, password = "smtp-password-1234",
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("None", saved.Str("security"));
        Assert.Equal("••••1234", saved.Str("password"));

        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var batchId = (await marketer.PostAsync("/communication/bulk", new { channel = "email", purpose = "transactional", subject = "Hello", content = "Welcome", recipients = new[] { "bob@example.com" } })).Body.Long("batch_id");
        await app.WaitUntilAsync(async d => await d.Messages.AnyAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Sent));
        var received = Assert.Single(peer.Received());
        Assert.Equal("news@tenant.example", received.MailFrom);
        Assert.Equal("Tenant News", received.Message.From.Mailboxes.Single().Name);
        using var db = app.Db();
        Assert.Equal("smtp", (await db.Messages.SingleAsync(m => m.BatchId == batchId)).Provider);
    }

    [Fact]
    public async Task SubmailHttpPipeline_TimesOutASlowAnswer_AndStopsCallingAFailingHost()
    {
        await using var submail = await FakeSubmailServer.StartAsync();
        submail.Delay = TimeSpan.FromSeconds(3);
        await using var app = new AppFactory(null, SubmailSettings.For(submail, new()
        {
            ["Providers:Http:TimeoutSeconds"] = "1",
            ["Providers:Http:CircuitMinimumThroughput"] = "2",
            ["Providers:Http:CircuitBreakSeconds"] = "60",
        }));
        await ((IAsyncLifetime)app).InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var batchId = (await marketer.PostAsync("/communication/bulk", new { channel = "sms", content = "hi", recipients = new[] { "13800000041" } })).Body.Long("batch_id");

        // Timed out twice (so the host's circuit opens), then refused by the open circuit without a request.
        await app.WaitUntilAsync(async d => await d.Messages.AnyAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Failed), TimeSpan.FromSeconds(60));
        using var db = app.Db();
        var id = (await db.Messages.SingleAsync(m => m.BatchId == batchId)).Id;
        var attempts = await db.MessageAttempts.Where(x => x.MessageId == id).OrderBy(x => x.Number).ToListAsync();
        Assert.Equal(4, attempts.Count);
        Assert.All(attempts.Take(2), x => Assert.Contains("did not answer in time", x.Error));
        Assert.All(attempts.Skip(2), x => Assert.Contains("circuit", x.Error, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(2, submail.Requests.Count);
    }
}
