using System.Net;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Compliance;

[Collection(AppCollection.Name)]
public sealed class ContentRulesTests(SharedApp app)
{
    [Fact]
    public async Task OptOutHint_IsAppendedOnceToMarketingSms_AndCountedInSegmentsAndCost()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        // 68 characters (UCS-2): one segment alone, two with " 回复TD退订" (7 more).
        var text = "【Shop】" + new string('惠', 62);
        Assert.Equal(1, SmsText.Measure(text).Segments);

        var (_, body) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = text, recipients = new[] { "13800139101" } });
        var item = body.GetProperty("items")[0];
        Assert.Equal(text + " 回复TD退订", item.Str("content"));
        Assert.Equal(2, item.Int("segments"));
        await app.WaitSettledAsync(body.Long("batch_id"));
        using (var db = app.Db())
        {
            var row = await db.Messages.SingleAsync(m => m.BatchId == body.Long("batch_id"));
            Assert.Equal((MessageStatus.Sent, 0.10m), (row.Status, row.Cost));
        }

        var (_, carried) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Sale, 回复td退订", recipients = new[] { "13800139101" } });
        Assert.Equal("【Shop】Sale, 回复td退订", carried.GetProperty("items")[0].Str("content"));

        await app.SavePolicyAsync(tenant, p => p with { SmsOptOutHint = "Reply STOP to opt out" });
        var (_, own) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "Sale", recipients = new[] { "13800139101" } });
        Assert.Equal("Sale Reply STOP to opt out", own.GetProperty("items")[0].Str("content"));
        var (_, transactional) = await client.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "Code 1", recipients = new[] { "13800139101" } });
        Assert.Equal("Code 1", transactional.GetProperty("items")[0].Str("content"));
    }

    [Fact]
    public async Task ASensitiveWord_RefusesTheSend_NamingTheWord_InEachFamilysEnvelope()
    {
        var tenant = await app.CreateTenantAsync();
        await app.SavePolicyAsync(tenant, p => p with { SensitiveWords = ["赌博", "Casino"] });
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);

        var (bulk, bulkError) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Visit our {{ place }}", variables = new { place = "CASINO" }, recipients = new[] { "13800139111" } });
        Assert.Equal(HttpStatusCode.BadRequest, bulk);
        Assert.Equal("content: contains the sensitive word 'Casino', which this tenant does not allow in messages", bulkError.Str("message"));
        var (single, singleError) = await client.PostAsync("/notification/sms/send", new { phone = "13800139111", content = "网上赌博" });
        Assert.Equal(HttpStatusCode.BadRequest, single);
        Assert.Equal(400, singleError.Int("code"));
        Assert.Contains("'赌博'", singleError.Str("message"));
        using var db = app.Db();
        Assert.False(await db.Messages.AnyAsync(m => m.TenantId == tenant));

        var other = await app.CreateTenantAsync();
        var (otherClient, _) = await app.UserAsync(Roles.Integrator, other);
        var (allowed, _) = await otherClient.PostAsync("/notification/sms/send", new { phone = "13800139111", content = "网上赌博" });
        Assert.Equal(HttpStatusCode.OK, allowed);
    }

    [Fact]
    public async Task VerificationCodes_AreCappedPerNumber_OverTheCapNothingIsSent()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (first, _) = await client.PostAsync("/notification/sms/send", new { phone = "13800139121", content = "【Shop】您的验证码是1111", bizType = "verify_code" });
        Assert.Equal(HttpStatusCode.OK, first);

        var (second, error) = await client.PostAsync("/notification/sms/send", new { phone = "13800139121", content = "【Shop】您的验证码是2222", bizType = "verify_code" });
        Assert.Equal(HttpStatusCode.TooManyRequests, second);
        Assert.Equal(1006, error.Int("code"));
        Assert.Contains("13800139121", error.Str("message"));
        Assert.Contains("at most 1 a minute", error.Str("message"));
        using (var db = app.Db()) Assert.Equal(1, await db.Messages.CountAsync(m => m.TenantId == tenant && m.Recipient == "13800139121"));

        // Another number, and a message that is not a verification code, are not held back.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/notification/sms/send", new { phone = "13800139122", content = "【Shop】您的验证码是3333", bizType = "verify_code" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/notification/sms/send", new { phone = "13800139121", content = "【Shop】Your parcel is here" })).Status);

        // Caps are the tenant's to set: with no per-minute cap, the hourly cap of 2 refuses the third.
        await app.SavePolicyAsync(tenant, p => p with { VerifyCodesPerMinute = 0, VerifyCodesPerHour = 2 });
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/notification/sms/send", new { phone = "13800139121", content = "【Shop】您的验证码是4444", bizType = "verify_code" })).Status);
        var (third, hourly) = await client.PostAsync("/notification/sms/send", new { phone = "13800139121", content = "【Shop】您的验证码是5555", bizType = "VERIFY_CODE" });
        Assert.Equal(HttpStatusCode.TooManyRequests, third);
        Assert.Contains("at most 2 an hour", hourly.Str("message"));
    }

    [Fact]
    public async Task PolicySettings_AreValidated_NamingTheField()
    {
        var tenant = await app.CreateTenantAsync();
        var admin = await app.AdminCallerAsync(tenant);
        var current = (await app.WithAsync<PolicyService, CommsConsole.Features.Common.Result<PolicyInput>>(p => p.GetForEditAsync(admin, tenant, CancellationToken.None))).Value!;
        // The installation's defaults until the tenant saves its own (the tests' app turns quiet hours off).
        Assert.Equal(("回复TD退订", "Asia/Shanghai", 180, 1, 5, 10), (current.SmsOptOutHint, current.TimeZoneId, current.RetentionDays,
            current.VerifyCodesPerMinute, current.VerifyCodesPerHour, current.VerifyCodesPerDay));
        foreach (var (input, field) in new (PolicyInput, string)[]
        {
            (current with { TimeZoneId = "Mars/Olympus" }, "time_zone"),
            (current with { QuietHoursStart = "25:00" }, "quiet_hours_start"),
            (current with { RetentionDays = 0 }, "retention_days"),
            (current with { VerifyCodesPerDay = -1 }, "verify_code"),
        })
        {
            var result = await app.WithAsync<PolicyService, CommsConsole.Features.Common.Result<PolicyInput>>(p => p.SaveAsync(admin, tenant, input, CancellationToken.None));
            Assert.StartsWith(field, result.Error!.Message);
        }
        var marketer = new Caller("someone", tenant, Roles.Marketer);
        var denied = await app.WithAsync<PolicyService, CommsConsole.Features.Common.Result<PolicyInput>>(p => p.SaveAsync(marketer, tenant, current, CancellationToken.None));
        Assert.Equal(CommsConsole.Features.Common.ErrorKind.Forbidden, denied.Error!.Kind);
    }
}
