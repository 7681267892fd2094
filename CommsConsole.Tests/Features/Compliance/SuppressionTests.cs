using CommsConsole.Data;
using System.Net;
using System.Text;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Compliance;

[Collection(AppCollection.Name)]
public sealed class SuppressionTests(SharedApp app)
{
    [Fact]
    public async Task Marketing_ToAnOptedOutNumber_IsRecordedSuppressed_CountedByTheBatch_AndNeverSent()
    {
        var tenant = await app.CreateTenantAsync();
        await app.SuppressAsync(tenant, Channel.Sms, "+86 138 0013 9001");
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);

        var (status, body) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Sale today", recipients = new[] { "13800139001", "13800139002" } });
        Assert.Equal(HttpStatusCode.OK, status);
        var items = body.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["suppressed", "pending"], items.Select(i => i.Str("status")));
        Assert.All(items, i => Assert.Equal("marketing", i.Str("purpose")));
        Assert.Contains("opted out of marketing (added by an admin", items[0].Str("error"));
        var batchId = body.Long("batch_id");
        await app.WaitSettledAsync(batchId);

        using var db = app.Db();
        var batch = await db.Batches.SingleAsync(b => b.Id == batchId);
        Assert.Equal((2, 1, 1, 100), (batch.Total, batch.Suppressed, batch.Sent, batch.Progress));
        var suppressedId = long.Parse(items[0].Str("id")[4..]);
        var sentIds = File.ReadAllLines(app.RecordPath).Select(long.Parse).ToHashSet();
        Assert.DoesNotContain(suppressedId, sentIds);
        Assert.Contains(long.Parse(items[1].Str("id")[4..]), sentIds);
        Assert.Empty(await db.MessageAttempts.Where(a => a.MessageId == suppressedId).ToListAsync());

        var (_, filtered) = await client.GetJsonAsync("/communication/logs?status=suppressed");
        Assert.Equal(1, filtered.Int("total"));
    }

    [Fact]
    public async Task Transactional_ToAnOptedOutNumber_IsSent()
    {
        var tenant = await app.CreateTenantAsync();
        await app.SuppressAsync(tenant, Channel.Sms, "13800139011");
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);

        var (_, single) = await client.PostAsync("/notification/sms/send", new { phone = "13800139011", content = "【Shop】Your order shipped" });
        Assert.Equal("success", single.GetProperty("data").Str("status"));
        var (_, bulk) = await client.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "【Shop】Receipt", recipients = new[] { "13800139011" } });
        var item = bulk.GetProperty("items")[0];
        Assert.Equal(("pending", "transactional", "【Shop】Receipt"), (item.Str("status"), item.Str("purpose"), item.Str("content")));
        await app.WaitSettledAsync(bulk.Long("batch_id"));
        using var db = app.Db();
        Assert.Equal(MessageStatus.Sent, (await db.Messages.SingleAsync(m => m.BatchId == bulk.Long("batch_id"))).Status);
    }

    [Fact]
    public async Task AnOptOut_AddedAfterAScheduledSend_SuppressesItAtDispatch()
    {
        var tenant = await app.CreateTenantAsync();
        var (_, userId) = await app.UserAsync(Roles.Marketer, tenant);
        var caller = new Caller(userId, tenant, Roles.Marketer);
        var receipt = await app.WithAsync<MessagingService, CommsConsole.Features.Common.Result<SendReceipt>>(m => m.SendAsync(new SendRequest
        {
            Channel = Channel.Sms, Recipients = ["13800139021", "13800139022"], Content = "【Shop】Later", Source = "console",
            NotBefore = DateTimeOffset.UtcNow.AddSeconds(3),
        }, caller, CancellationToken.None));
        Assert.True(receipt.IsOk, receipt.Error?.Message);
        await app.SuppressAsync(tenant, Channel.Sms, "13800139021");

        var batchId = receipt.Value!.Batch.Id;
        await app.WaitSettledAsync(batchId);
        using var db = app.Db();
        var rows = await db.Messages.Where(m => m.BatchId == batchId).OrderBy(m => m.Recipient).ToListAsync();
        Assert.Equal([MessageStatus.Suppressed, MessageStatus.Sent], rows.Select(r => r.Status));
        Assert.StartsWith("suppressed:", rows[0].Error);
        var batch = await db.Batches.SingleAsync(b => b.Id == batchId);
        Assert.Equal((1, 1, 0), (batch.Suppressed, batch.Sent, batch.Pending + batch.Sending));
    }

    [Fact]
    public async Task Purpose_IsStoredOnRowAndBatch_Filterable_AndAWrongValueIsNamed()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        await client.PostAsync("/notification/sms/send", new { phone = "13800139031", content = "【Shop】code 1" });
        await client.PostAsync("/notification/sms/send-batch", new { phones = new[] { "13800139032" }, content = "【Shop】news" });
        await client.PostAsync("/notification/sms/send-batch", new { phones = new[] { "13800139033" }, content = "【Shop】notice", purpose = "transactional" });

        var (_, transactional) = await client.GetJsonAsync("/communication/logs?purpose=transactional");
        Assert.Equal(["138****9033", "138****9031"], transactional.GetProperty("items").EnumerateArray().Select(i => i.Str("recipient")));
        Assert.Equal(2, transactional.Int("total"));
        var (_, marketing) = await client.GetJsonAsync("/communication/logs?purpose=marketing");
        Assert.Equal(1, marketing.Int("total"));
        Assert.EndsWith("回复TD退订", marketing.GetProperty("items")[0].Str("content"));
        using (var db = app.Db())
        {
            Assert.Equal(2, await db.Batches.CountAsync(b => b.TenantId == tenant && b.Purpose == Purpose.Transactional));
            Assert.Equal(1, await db.Batches.CountAsync(b => b.TenantId == tenant && b.Purpose == Purpose.Marketing));
        }

        var (badLogs, logsError) = await client.GetJsonAsync("/communication/logs?purpose=promo");
        Assert.Equal(HttpStatusCode.BadRequest, badLogs);
        Assert.Contains("purpose: 'promo' is not one of transactional, marketing", logsError.Str("message"));
        var (badSend, sendError) = await client.PostAsync("/notification/sms/send", new { phone = "13800139034", content = "x", purpose = "promo" });
        Assert.Equal(HttpStatusCode.BadRequest, badSend);
        Assert.Equal(400, sendError.Int("code"));
        Assert.Contains("purpose", sendError.Str("message"));
        var (badBulk, bulkError) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "x", recipients = new[] { "13800139034" }, purpose = 1 });
        Assert.Equal(HttpStatusCode.BadRequest, badBulk);
        Assert.Contains("purpose", bulkError.Str("message"));
        using var check = app.Db();
        Assert.False(await check.Messages.AnyAsync(m => m.Recipient == "13800139034"));
    }

    [Fact]
    public async Task Admin_ImportsExportsAndRemovesOptOuts_ABadLineImportsNothing()
    {
        var tenant = await app.CreateTenantAsync();
        var admin = await app.AdminCallerAsync(tenant);

        var bad = "address,channel,note\n13800139041,sms,a\nnot-a-number,sms,b\n";
        var refused = await app.WithAsync<SuppressionService, CommsConsole.Features.Common.Result<ImportResult>>(s =>
            s.ImportCsvAsync(admin, null, new MemoryStream(Encoding.UTF8.GetBytes(bad)), CancellationToken.None));
        Assert.False(refused.IsOk);
        Assert.Contains("line 3", refused.Error!.Message);
        Assert.Contains("nothing imported", refused.Error.Message);
        using (var db = app.Db()) Assert.False(await db.Suppressions.AnyAsync(s => s.TenantId == tenant));

        var good = "address,note\n13800139041,from the shop\nLi@Example.COM,\n13800139041,twice\n";
        var imported = await app.WithAsync<SuppressionService, CommsConsole.Features.Common.Result<ImportResult>>(s =>
            s.ImportCsvAsync(admin, null, new MemoryStream(Encoding.UTF8.GetBytes(good)), CancellationToken.None));
        Assert.True(imported.IsOk, imported.Error?.Message);
        Assert.Equal(2, imported.Value!.Added);

        using var output = new MemoryStream();
        var exported = await app.WithAsync<SuppressionService, CommsConsole.Features.Common.Result<int>>(s =>
            s.ExportCsvAsync(admin, new SuppressionFilter(), output, CancellationToken.None));
        Assert.Equal(2, exported.Value);
        var csv = Encoding.UTF8.GetString(output.ToArray());
        Assert.Contains("sms,13800139041,imported,from the shop", csv);
        Assert.Contains("email,li@example.com,imported", csv);

        var page = await app.WithAsync<SuppressionService, CommsConsole.Features.Common.Result<Page<Suppression>>>(s =>
            s.ListAsync(admin, new SuppressionFilter(Search: "example"), CancellationToken.None));
        var row = Assert.Single(page.Value!.Items);
        var noReason = await app.WithAsync<SuppressionService, CommsConsole.Features.Common.Result<bool>>(s => s.RemoveAsync(admin, row.Id, " ", CancellationToken.None));
        Assert.Contains("reason", noReason.Error!.Message);
        var removed = await app.WithAsync<SuppressionService, CommsConsole.Features.Common.Result<bool>>(s => s.RemoveAsync(admin, row.Id, "customer asked to hear from us again", CancellationToken.None));
        Assert.True(removed.IsOk);
        using var after = app.Db();
        var kept = await after.Suppressions.SingleAsync(s => s.Id == row.Id);
        Assert.Equal(("customer asked to hear from us again", admin.UserId), (kept.RemovalReason, kept.RemovedBy));

        var other = await app.AdminCallerAsync(await app.CreateTenantAsync());
        var foreign = await app.WithAsync<SuppressionService, CommsConsole.Features.Common.Result<bool>>(s => s.RemoveAsync(other, row.Id - 1, "not mine", CancellationToken.None));
        Assert.False(foreign.IsOk);
    }
}
