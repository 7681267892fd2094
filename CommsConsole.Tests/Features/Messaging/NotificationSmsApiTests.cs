using System.Net;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Messaging;

/// <summary>The document 003 face, starting with its own cURL examples.</summary>
[Collection(AppCollection.Name)]
public sealed class NotificationSmsApiTests(SharedApp app)
{
    private const string Rejected = AppFactory.RejectedPrefix + "0001";

    [Fact]
    public async Task Send_AsDocumented_AnswersSuccessWithOutcome()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (status, body) = await client.PostRawAsync("/notification/sms/send", """
            { "phone": "13800138000", "content": "您的验证码是123456，5分钟内有效。" }
            """);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(200, body.Int("code"));
        Assert.Equal("操作成功", body.Str("message"));
        var data = body.GetProperty("data");
        Assert.True(data.Long("logId") > 0);
        Assert.Equal("13800138000", data.Str("phone"));
        Assert.Equal("success", data.Str("status"));
        Assert.StartsWith("SIM-", data.Str("thirdPartyId"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, data.GetProperty("failReason").ValueKind);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$", data.Str("sendTime"));
        Assert.Equal("0.05", data.Str("cost"));
    }

    [Fact]
    public async Task SendBatch_AsDocumented_AnswersAtOnceWithPendingRows()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (status, body) = await client.PostRawAsync("/notification/sms/send-batch", """
            { "phones": ["13800138000", "13800138001"], "content": "尊敬的家长，您的孩子今天表现优秀！" }
            """);
        Assert.Equal(HttpStatusCode.OK, status);
        var data = body.GetProperty("data");
        Assert.Equal(2, data.Int("total"));
        Assert.Equal(0, data.Int("failCount"));
        var details = data.GetProperty("details").EnumerateArray().ToList();
        Assert.Equal(["13800138000", "13800138001"], details.Select(d => d.Str("phone")));
        Assert.All(details, d => Assert.Contains(d.Str("status"), new[] { "pending", "sending", "success" }));
    }

    [Fact]
    public async Task SendTemplate_VerifyCode_AsDocumented_RendersTheTemplate()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (status, body) = await client.PostRawAsync("/notification/sms/send-template", """
            { "phone": "13800138000", "templateCode": "VERIFY_CODE", "params": { "code": "123456", "time": "5" } }
            """);
        Assert.Equal(HttpStatusCode.OK, status);
        var logId = body.GetProperty("data").Long("logId");
        Assert.Equal("success", body.GetProperty("data").Str("status"));
        using var db = app.Db();
        var row = await db.Messages.SingleAsync(m => m.Id == logId);
        Assert.Equal("您的验证码是123456，5分钟内有效。", row.Content);
    }

    [Fact]
    public async Task SendTemplate_Batch_Notify_AnswersTotals()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (status, body) = await client.PostAsync("/notification/sms/send-template", new
        {
            phones = new[] { "13800138000", "13800138001" }, templateCode = "NOTIFY", @params = new { content = "您有新的课程安排，请及时查看。" },
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body.GetProperty("data").Int("total"));
    }

    [Fact]
    public async Task Status_AsDocumented_ReportsTheRecord()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var logId = (await client.PostAsync("/notification/sms/send", new { phone = "13800138000", content = "hi" })).Body.GetProperty("data").Long("logId");

        var (status, body) = await client.GetJsonAsync($"/notification/sms/status/{logId}");
        Assert.Equal(HttpStatusCode.OK, status);
        var data = body.GetProperty("data");
        Assert.Equal(logId, data.Long("logId"));
        Assert.Equal("success", data.Str("status"));
        Assert.Equal(0, data.Int("retryCount"));
        Assert.Equal("success", data.Str("thirdPartyStatus"));
        Assert.StartsWith("SIM-", data.Str("thirdPartyId"));
    }

    [Fact]
    public async Task Retry_OfFailedRecord_SendsAgain_UntilRetriesAreExhausted()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (_, sent) = await client.PostAsync("/notification/sms/send", new { phone = Rejected, content = "hi" });
        var data = sent.GetProperty("data");
        Assert.Equal("failed", data.Str("status"));
        Assert.False(string.IsNullOrEmpty(data.Str("failReason")));
        var logId = data.Long("logId");

        for (var i = 1; i <= 3; i++)
        {
            var (status, retried) = await client.PostAsync($"/notification/sms/retry/{logId}", new { });
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("failed", retried.GetProperty("data").Str("status"));
            Assert.Equal(i, (await client.GetJsonAsync($"/notification/sms/status/{logId}")).Body.GetProperty("data").Int("retryCount"));
        }
        var (exhausted, body) = await client.PostAsync($"/notification/sms/retry/{logId}", new { });
        Assert.Equal(HttpStatusCode.Conflict, exhausted);
        Assert.Equal(1005, body.Int("code"));

        using var db = app.Db();
        Assert.Equal(4, await db.MessageAttempts.CountAsync(a => a.MessageId == logId));
    }

    [Fact]
    public async Task Retry_OfRecordThatIsNotFailed_Is1004()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var logId = (await client.PostAsync("/notification/sms/send", new { phone = "13800138000", content = "hi" })).Body.GetProperty("data").Long("logId");
        var (status, body) = await client.PostAsync($"/notification/sms/retry/{logId}", new { });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(1004, body.Int("code"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("data").ValueKind);
    }

    public static TheoryData<string, string, int, HttpStatusCode> BadRequests => new()
    {
        { "/notification/sms/send", """{"phone":"12345","content":"x"}""", 1001, HttpStatusCode.BadRequest },
        { "/notification/sms/send", """{"content":"x"}""", 1001, HttpStatusCode.BadRequest },
        { "/notification/sms/send", """{"phone":"23800138000","content":"x"}""", 1001, HttpStatusCode.BadRequest },
        { "/notification/sms/send", """{"phone":"13800138000","content":""}""", 1002, HttpStatusCode.BadRequest },
        { "/notification/sms/send", """{"phone":"13800138000"}""", 1002, HttpStatusCode.BadRequest },
        { "/notification/sms/send", """{"phone":"13800138000","content":"x","receiverId":"abc"}""", 400, HttpStatusCode.BadRequest },
        { "/notification/sms/send-batch", """{"phones":[],"content":"x"}""", 1001, HttpStatusCode.BadRequest },
        { "/notification/sms/send-batch", """{"phones":["13800138000","bad"],"content":"x"}""", 1001, HttpStatusCode.BadRequest },
        { "/notification/sms/send-batch", """{"phones":["13800138000"],"content":"  "}""", 1002, HttpStatusCode.BadRequest },
        { "/notification/sms/send-template", """{"phone":"13800138000"}""", 400, HttpStatusCode.BadRequest },
        { "/notification/sms/send-template", """{"phone":"13800138000","phones":["13800138001"],"templateCode":"NOTIFY"}""", 1001, HttpStatusCode.BadRequest },
        { "/notification/sms/send-template", """{"phone":"13800138000","templateCode":"NOPE"}""", 404, HttpStatusCode.NotFound },
        { "/notification/sms/send", """{"phone":"13800138000","content":"x" """, 400, HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequest_AnswersDocumentedCode_AndWritesNothing(string path, string json, int code, HttpStatusCode http)
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        var (status, body) = await client.PostRawAsync(path, json);
        Assert.Equal(http, status);
        Assert.Equal(code, body.Int("code"));
        Assert.False(string.IsNullOrWhiteSpace(body.Str("message")));
        using var db = app.Db();
        Assert.False(await db.Messages.AnyAsync(m => m.UserId == userId));
    }

    [Fact]
    public async Task SendBatch_WithMoreThan1000Phones_Is400()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var phones = Enumerable.Range(0, 1_001).Select(i => $"138{i:D8}").ToArray();
        var (status, body) = await client.PostAsync("/notification/sms/send-batch", new { phones, content = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("1000", body.Str("message"));
    }

    [Fact]
    public async Task Send_AsAuditor_Is403InEnvelope()
    {
        var tenant = await app.CreateTenantAsync();
        var (auditor, _) = await app.UserAsync(Roles.Auditor, tenant);
        var (status, body) = await auditor.PostAsync("/notification/sms/send", new { phone = "13800138000", content = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(403, body.Int("code"));
    }

    [Fact]
    public async Task Status_ShowsThePhoneWhole_OnlyToItsSenderAndAdmins_AndMaskedToAnAuditor()
    {
        var tenant = await app.CreateTenantAsync();
        var (sender, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (auditor, _) = await app.UserAsync(Roles.Auditor, tenant);
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        var (outsider, _) = await app.UserAsync(Roles.Auditor, await app.CreateTenantAsync());
        var (_, sent) = await sender.PostAsync("/notification/sms/send", new { phone = "13800138123", content = "您的验证码是123456" });
        var logId = sent.GetProperty("data").Long("logId");

        async Task<string> PhoneSeenBy(HttpClient client)
        {
            var (status, body) = await client.GetJsonAsync($"/notification/sms/status/{logId}");
            Assert.Equal(HttpStatusCode.OK, status);
            return body.GetProperty("data").Str("phone");
        }
        Assert.Equal("13800138123", await PhoneSeenBy(sender));
        Assert.Equal("13800138123", await PhoneSeenBy(admin));
        Assert.Equal("138****8123", await PhoneSeenBy(auditor));
        // The logs API shows the Auditor the same mask.
        var (_, logs) = await auditor.GetJsonAsync("/communication/logs");
        Assert.Equal("138****8123", logs.GetProperty("items")[0].Str("recipient"));
        // An Auditor of another tenant does not see the record at all.
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetJsonAsync($"/notification/sms/status/{logId}")).Status);
    }

    [Fact]
    public async Task Status_AndRetry_OfAnotherTenantsOrAnotherUsersRecord_Are1003()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var (owner, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (colleague, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (stranger, _) = await app.UserAsync(Roles.Admin, other);
        var logId = (await owner.PostAsync("/notification/sms/send", new { phone = Rejected, content = "x" })).Body.GetProperty("data").Long("logId");

        foreach (var client in new[] { colleague, stranger })
        {
            var (s1, b1) = await client.GetJsonAsync($"/notification/sms/status/{logId}");
            Assert.Equal(HttpStatusCode.NotFound, s1);
            Assert.Equal(1003, b1.Int("code"));
            var (s2, b2) = await client.PostAsync($"/notification/sms/retry/{logId}", new { });
            Assert.Equal(HttpStatusCode.NotFound, s2);
            Assert.Equal(1003, b2.Int("code"));
            var (_, logs) = await client.GetJsonAsync("/communication/logs");
            Assert.DoesNotContain(logs.GetProperty("items").EnumerateArray(), i => i.Str("id") == "log_" + logId);
        }
        var (missing, body) = await owner.GetJsonAsync("/notification/sms/status/999999999");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal(1003, body.Int("code"));
    }

    [Fact]
    public async Task BothFaces_ShareTheSameRowId()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var logId = (await client.PostAsync("/notification/sms/send", new { phone = "13800138000", content = "x" })).Body.GetProperty("data").Long("logId");
        var (_, logs) = await client.GetJsonAsync("/communication/logs");
        Assert.Equal("log_" + logId, logs.GetProperty("items")[0].Str("id"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetJsonAsync($"/notification/sms/status/log_{logId}")).Status);
    }
}
