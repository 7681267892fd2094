using System.Net;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Messaging;

[Collection(AppCollection.Name)]
public sealed class CommunicationApiTests(SharedApp app)
{
    [Fact]
    public async Task Bulk_RendersContentPerRequest_AndReturnsOneMaskedItemPerRecipient()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        var (status, body) = await client.PostAsync("/communication/bulk", new
        {
            channel = "sms", purpose = "transactional",
            content = "您的验证码是{{code}}",
            recipients = new[] { "13800138000", "13900139000", "13800138000" },
            variables = new { code = "123456" },
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(200, body.Int("code"));
        Assert.Equal(2, body.Int("total"));
        Assert.Equal(1, body.Int("duplicates"));
        var items = body.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["138****8000", "139****9000"], items.Select(i => i.Str("recipient")));
        Assert.All(items, i =>
        {
            Assert.Equal("您的验证码是123456", i.Str("content"));
            Assert.Equal("pending", i.Str("status"));
            Assert.Equal("sms", i.Str("channel"));
            Assert.Equal(tenant, i.Str("tenant_id"));
            Assert.Equal(userId, i.Str("user_id"));
            Assert.StartsWith("log_", i.Str("id"));
        });
        var pagination = body.GetProperty("pagination");
        Assert.Equal(2, pagination.Int("total"));
        Assert.False(pagination.GetProperty("has_next").GetBoolean());

        var batchId = body.Long("batch_id");
        await app.WaitUntilAsync(async db => await db.Batches.AnyAsync(b => b.Id == batchId && b.Sent == 2), because: "both messages sent");
        using var check = app.Db();
        var rows = await check.Messages.Where(m => m.BatchId == batchId).ToListAsync();
        Assert.All(rows, m =>
        {
            Assert.Equal(MessageStatus.Sent, m.Status);
            Assert.Equal("simulated", m.Provider);
            Assert.NotNull(m.SentAt);
            Assert.NotNull(m.Response);
            Assert.Equal(0.05m, m.Cost);
        });
    }

    [Fact]
    public async Task Bulk_WithStoredTemplate_UsesItsBody_AndTemplateCodeIsCaseInsensitive()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (status, body) = await client.PostAsync("/communication/bulk", new
        {
            channel = "sms", purpose = "transactional", content = "", template = "verify_code", recipients = new[] { "13800138001" }, variables = new { code = "654321", time = 5 },
        });
        Assert.Equal(HttpStatusCode.OK, status);
        var item = body.GetProperty("items")[0];
        Assert.Equal("您的验证码是654321，5分钟内有效。", item.Str("content"));
        Assert.StartsWith("tpl_", item.Str("template_id"));
    }

    [Fact]
    public async Task Bulk_Email_RequiresSubject_AndMasksAddresses()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (missing, error) = await client.PostAsync("/communication/bulk", new { channel = "email", content = "Hi", recipients = new[] { "alice@example.com" } });
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.StartsWith("subject", error.Str("message"));

        var (ok, body) = await client.PostAsync("/communication/bulk", new { channel = "email", purpose = "transactional", subject = "Hello {{name}}", content = "Hi {{name}}", recipients = new[] { "alice@example.com" }, variables = new { name = "Alice" } });
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal("a***@example.com", body.GetProperty("items")[0].Str("recipient"));
        Assert.Equal("Hi Alice", body.GetProperty("items")[0].Str("content"));
    }

    [Fact]
    public async Task Bulk_UnknownTemplate_Is404()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (status, body) = await client.PostAsync("/communication/bulk", new { channel = "sms", template = "NO_SUCH", recipients = new[] { "13800138000" } });
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(404, body.Int("code"));
        Assert.Contains("NO_SUCH", body.Str("message"));
    }

    public static TheoryData<string, string> BadBulkRequests => new()
    {
        { """{"channel":"fax","content":"x","recipients":["13800138000"]}""", "channel" },
        { """{"content":"x","recipients":["13800138000"]}""", "channel" },
        { """{"channel":"sms","content":"x"}""", "recipients" },
        { """{"channel":"sms","content":"x","recipients":[]}""", "recipients" },
        { """{"channel":"sms","content":"x","recipients":["12345"]}""", "recipients[0]" },
        { """{"channel":"email","subject":"s","content":"x","recipients":["ok@example.com","not-an-email"]}""", "recipients[1]" },
        { """{"channel":"sms","content":"","recipients":["13800138000"]}""", "content" },
        { """{"channel":"sms","content":"hi {% if x %}","recipients":["13800138000"]}""", "content" },
        { """{"channel":"sms","content":"x","recipients":"13800138000"}""", "recipients" },
        { """{"channel":"sms","content":"x","recipients":["13800138000"],"variables":{"a":{"b":1}}}""", "variables.a" },
        { """{"channel":"sms","content":"x","recipients":["13800138000"]""", "body" },
    };

    [Theory]
    [MemberData(nameof(BadBulkRequests))]
    public async Task Bulk_BadRequest_Is400NamingTheField_AndWritesNothing(string json, string field)
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        var (status, body) = await client.PostRawAsync("/communication/bulk", json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(400, body.Int("code"));
        Assert.StartsWith(field, body.Str("message"));
        using var db = app.Db();
        Assert.False(await db.Messages.AnyAsync(m => m.UserId == userId));
        Assert.False(await db.Batches.AnyAsync(b => b.UserId == userId));
    }

    [Fact]
    public async Task Bulk_LoneSurrogateInText_Is400SayingTheTextIsInvalid_NotTheType()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (status, body) = await client.PostRawAsync("/communication/bulk", """{"channel":"sms","content":"a\uD800b","recipients":["13800138000"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("content is not valid text", body.Str("message"));
        Assert.Contains("surrogate", body.Str("message"));
    }

    [Fact]
    public async Task Bulk_With10001Recipients_Is400_And10000AreAccepted()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var tooMany = Enumerable.Range(0, 10_001).Select(i => $"138{i:D8}").ToArray();
        var (status, body) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "x", recipients = tooMany });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("10000", body.Str("message"));

        var (ok, accepted) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "x", recipients = tooMany[..10_000] });
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal(10_000, accepted.Int("total"));
    }

    [Fact]
    public async Task Bulk_AsAuditor_Is403()
    {
        var tenant = await app.CreateTenantAsync();
        var (auditor, _) = await app.UserAsync(Roles.Auditor, tenant);
        var (status, body) = await auditor.PostAsync("/communication/bulk", new { channel = "sms", content = "x", recipients = new[] { "13800138000" } });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(403, body.Int("code"));
    }

    [Fact]
    public async Task Bulk_AdminOnBehalfOfUser_RecordsThatUser_ButMarketerCannot()
    {
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        var (marketer, marketerId) = await app.UserAsync(Roles.Marketer, tenant);
        var (ok, body) = await admin.PostAsync("/communication/bulk", new { channel = "sms", content = "x", recipients = new[] { "13800138000" }, user_id = marketerId });
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal(marketerId, body.GetProperty("items")[0].Str("user_id"));

        var (_, otherId) = await app.UserAsync(Roles.Marketer, tenant);
        var (denied, _) = await marketer.PostAsync("/communication/bulk", new { channel = "sms", content = "x", recipients = new[] { "13800138000" }, user_id = otherId });
        Assert.Equal(HttpStatusCode.Forbidden, denied);
    }

    [Fact]
    public async Task Logs_PagesNewestFirst_WithFiltersAndPagination()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var phones = Enumerable.Range(0, 25).Select(i => $"137{i:D8}").ToArray();
        await client.PostAsync("/communication/bulk", new { channel = "sms", content = "first", recipients = phones });
        await client.PostAsync("/communication/bulk", new { channel = "email", purpose = "transactional", subject = "s", content = "second", recipients = new[] { "bob@example.com" } });

        var (status, page1) = await client.GetJsonAsync("/communication/logs");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(26, page1.Int("total"));
        Assert.Equal(20, page1.GetProperty("items").GetArrayLength());
        Assert.Equal("second", page1.GetProperty("items")[0].Str("content"));
        var p = page1.GetProperty("pagination");
        Assert.Equal(1, p.Int("page"));
        Assert.Equal(20, p.Int("page_size"));
        Assert.Equal(2, p.Int("total_pages"));
        Assert.True(p.GetProperty("has_next").GetBoolean());
        Assert.False(p.GetProperty("has_prev").GetBoolean());

        var (_, page2) = await client.GetJsonAsync("/communication/logs?page=2&page_size=20");
        Assert.Equal(6, page2.GetProperty("items").GetArrayLength());
        Assert.True(page2.GetProperty("pagination").GetProperty("has_prev").GetBoolean());

        var (_, emails) = await client.GetJsonAsync("/communication/logs?channel=email");
        Assert.Equal(1, emails.Int("total"));
        var (_, push) = await client.GetJsonAsync("/communication/logs?channel=push");
        Assert.Equal(0, push.Int("total"));

        await app.WaitUntilAsync(async db => await db.Messages.CountAsync(m => m.TenantId == tenant && m.Status == MessageStatus.Sent) == 26);
        var (_, sent) = await client.GetJsonAsync("/communication/logs?status=sent&page_size=100");
        Assert.Equal(26, sent.Int("total"));
        var (_, pending) = await client.GetJsonAsync("/communication/logs?status=pending");
        Assert.Equal(0, pending.Int("total"));
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("page=-3", "page")]
    [InlineData("page=abc", "page")]
    [InlineData("page_size=101", "page_size")]
    [InlineData("page_size=0", "page_size")]
    [InlineData("channel=fax", "channel")]
    [InlineData("status=lost", "status")]
    public async Task Logs_BadQuery_Is400NamingTheParameter(string query, string field)
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (status, body) = await client.GetJsonAsync("/communication/logs?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(field, body.Str("message"));
    }

    [Fact]
    public async Task Logs_ScopeFollowsRole_MarketerOwnRows_AdminAndAuditorTheTenant_OtherTenantNothing()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var (m1, m1Id) = await app.UserAsync(Roles.Marketer, tenant);
        var (m2, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        var (auditor, _) = await app.UserAsync(Roles.Auditor, tenant);
        var (stranger, _) = await app.UserAsync(Roles.Admin, other);
        await m1.PostAsync("/communication/bulk", new { channel = "sms", content = "m1", recipients = new[] { "13800000001", "13800000002" } });
        await m2.PostAsync("/communication/bulk", new { channel = "sms", content = "m2", recipients = new[] { "13800000003" } });

        Assert.Equal(2, (await m1.GetJsonAsync("/communication/logs")).Body.Int("total"));
        Assert.Equal(1, (await m2.GetJsonAsync("/communication/logs")).Body.Int("total"));
        Assert.Equal(3, (await admin.GetJsonAsync("/communication/logs")).Body.Int("total"));
        Assert.Equal(3, (await auditor.GetJsonAsync("/communication/logs")).Body.Int("total"));
        Assert.Equal(2, (await admin.GetJsonAsync($"/communication/logs?user_id={m1Id}")).Body.Int("total"));
        Assert.Equal(0, (await stranger.GetJsonAsync("/communication/logs")).Body.Int("total"));
        Assert.Equal(HttpStatusCode.Forbidden, (await m2.GetJsonAsync($"/communication/logs?user_id={m1Id}")).Status);
    }
}
