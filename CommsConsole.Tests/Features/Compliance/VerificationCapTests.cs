using System.Net;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Compliance;

/// <summary>Verification-code caps and opt-outs as a caller trying to side-step them would try: look-alike digits, spellings, concurrency.</summary>
[Collection(AppCollection.Name)]
public sealed class VerificationCapTests(SharedApp app)
{
    private const char FullWidthZero = '\uFF10';
    private const char ArabicIndicZero = '\u0660';

    /// <summary>The same number written in another script's digits (１３８… or ١٣٨…).</summary>
    internal static string InDigits(string ascii, char zero) => new(ascii.Select(c => char.IsAsciiDigit(c) ? (char)(zero + (c - '0')) : c).ToArray());

    private static string NewNumber() => "1370013" + Random.Shared.Next(0, 10_000).ToString("D4");

    private async Task<HttpClient> IntegratorAsync(string? tenant = null)
    {
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant ?? await app.CreateTenantAsync());
        return client;
    }

    [Fact]
    public async Task UnicodeDigitNumbers_AreStoredAndSentAsAscii_OnEveryFace()
    {
        var tenant = await app.CreateTenantAsync();
        using var client = await IntegratorAsync(tenant);
        var (a, b, c, d) = (NewNumber(), NewNumber(), NewNumber(), NewNumber());

        var (send, sent) = await client.PostAsync("/notification/sms/send", new { phone = InDigits(a, FullWidthZero), content = "hello" });
        Assert.Equal(HttpStatusCode.OK, send);
        Assert.Equal(a, sent.GetProperty("data").Str("phone"));
        var (bulk, bulkBody) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "hi", recipients = new[] { InDigits(b, ArabicIndicZero) } });
        Assert.Equal(HttpStatusCode.OK, bulk);
        var (batch, _) = await client.PostAsync("/notification/sms/send-batch", new { phones = new[] { "+８６ " + InDigits(c, FullWidthZero) }, content = "hi" });
        Assert.Equal(HttpStatusCode.OK, batch);
        var (template, _) = await client.PostAsync("/notification/sms/send-template",
            new { phone = InDigits(d, ArabicIndicZero), templateCode = "NOTIFY", @params = new { content = "hi" } });
        Assert.Equal(HttpStatusCode.OK, template);

        await app.WaitSettledAsync(bulkBody.Long("batch_id"));
        using var db = app.Db();
        var stored = await db.Messages.Where(m => m.TenantId == tenant).Select(m => m.Recipient).ToListAsync();
        Assert.Equal(new[] { a, b, c, d }.Order(), stored.Order());
    }

    [Theory]
    [InlineData(FullWidthZero)]
    [InlineData(ArabicIndicZero)]
    public async Task UnicodeDigitNumber_HitsTheVerificationCapOfTheAsciiNumber_AndViceVersa(char zero)
    {
        using var client = await IntegratorAsync();
        var number = NewNumber();
        var (first, _) = await client.PostAsync("/notification/sms/send", new { phone = number, content = "code 1", bizType = "verify_code" });
        Assert.Equal(HttpStatusCode.OK, first);
        var (second, body) = await client.PostAsync("/notification/sms/send", new { phone = InDigits(number, zero), content = "code 2", bizType = "verify_code" });
        Assert.Equal(HttpStatusCode.TooManyRequests, second);
        Assert.Equal(MessagingService.CodeTooManyCodes, body.Int("code"));

        var other = NewNumber();
        var (wide, _) = await client.PostAsync("/notification/sms/send", new { phone = InDigits(other, zero), content = "code 1", bizType = "verify_code" });
        Assert.Equal(HttpStatusCode.OK, wide);
        var (ascii, asciiBody) = await client.PostAsync("/notification/sms/send", new { phone = other, content = "code 2", bizType = "verify_code" });
        Assert.Equal((HttpStatusCode.TooManyRequests, MessagingService.CodeTooManyCodes), (ascii, asciiBody.Int("code")));
    }

    [Fact]
    public async Task OptOutOfTheAsciiNumber_SuppressesUnicodeDigitSends_AndViceVersa()
    {
        var tenant = await app.CreateTenantAsync();
        var (ascii, wide) = (NewNumber(), NewNumber());
        await app.SuppressAsync(tenant, Channel.Sms, ascii);
        await app.SuppressAsync(tenant, Channel.Sms, InDigits(wide, FullWidthZero));
        using var client = await IntegratorAsync(tenant);

        var (status, body) = await client.PostAsync("/communication/bulk", new
        {
            channel = "sms", content = "【Shop】Sale", recipients = new[] { InDigits(ascii, ArabicIndicZero), InDigits(ascii, FullWidthZero), wide },
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("duplicates").GetInt32());
        Assert.All(body.GetProperty("items").EnumerateArray(), i => Assert.Equal("suppressed", i.Str("status")));

        using var db = app.Db();
        var addresses = await db.Suppressions.Where(s => s.TenantId == tenant).Select(s => s.Address).ToListAsync();
        Assert.Equal(new[] { ascii, wide }.Order(), addresses.Order());
    }

    [Fact]
    public async Task SmsReplyFromAUnicodeDigitNumber_OptsOutTheAsciiNumber()
    {
        var tenant = await app.CreateTenantAsync();
        using var client = await IntegratorAsync(tenant);
        var number = NewNumber();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/notification/sms/send", new { phone = number, content = "【Shop】hello" })).Status);

        using var anonymous = app.Anonymous();
        var response = await anonymous.PostAsync("/webhooks/submail",
            Subhook.Form(new Dictionary<string, string> { ["events"] = "mo", ["address"] = InDigits(number, ArabicIndicZero), ["app"] = "10001", ["content"] = "TD" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var (_, body) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Sale", recipients = new[] { number } });
        Assert.Equal("suppressed", body.GetProperty("items")[0].Str("status"));
    }

    [Theory]
    [InlineData("１３８00138000")]
    [InlineData("١٣٨００١٣٨٠٠٠")]
    [InlineData("1380013800０x")]
    [InlineData("+８６+13800138000")]
    public async Task NumberMixingScriptsOrSymbols_IsRefused_1001_And400NamingTheField_AndNothingIsWritten(string phone)
    {
        var tenant = await app.CreateTenantAsync();
        using var client = await IntegratorAsync(tenant);
        var (send, sendBody) = await client.PostAsync("/notification/sms/send", new { phone, content = "x" });
        Assert.Equal((HttpStatusCode.BadRequest, MessagingService.CodeBadPhone), (send, sendBody.Int("code")));
        Assert.StartsWith("phone:", sendBody.Str("message"));
        var (bulk, bulkBody) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "x", recipients = new[] { phone } });
        Assert.Equal(HttpStatusCode.BadRequest, bulk);
        Assert.StartsWith("recipients[0]:", bulkBody.Str("message"));
        var caller = await app.AdminCallerAsync(tenant);
        var optOut = await app.WithAsync<SuppressionService, CommsConsole.Features.Common.Result<bool>>(s => s.AddByAdminAsync(caller, tenant, Channel.Sms, phone, null, CancellationToken.None));
        Assert.StartsWith("address:", optOut.Error?.Message);
        using var db = app.Db();
        Assert.False(await db.Messages.AnyAsync(m => m.TenantId == tenant));
        Assert.False(await db.Suppressions.AnyAsync(s => s.TenantId == tenant));
    }

    [Fact]
    public async Task BizTypeSpellings_AreOneKindOfVerificationCode_OnlyTheFirstOfFiveIsSent()
    {
        using var client = await IntegratorAsync();
        var number = NewNumber();
        string[] spellings = ["Verify_Code", "vErify_code", " verify_code", "VERIFY_CODE ", "ｖｅｒｉｆｙ＿ｃｏｄｅ"];
        var answers = new List<(HttpStatusCode, int)>();
        foreach (var bizType in spellings)
        {
            var (status, body) = await client.PostAsync("/notification/sms/send", new { phone = number, content = "code", bizType });
            answers.Add((status, body.Int("code")));
        }
        Assert.Equal((HttpStatusCode.OK, 200), answers[0]);
        Assert.All(answers.Skip(1), a => Assert.Equal((HttpStatusCode.TooManyRequests, MessagingService.CodeTooManyCodes), a));
        using var db = app.Db();
        var stored = await db.Messages.Where(m => m.Recipient == number).Select(m => m.BizType).ToListAsync();
        Assert.Equal(["verify_code"], stored);
    }

    [Fact]
    public async Task OtherBizTypes_AreStoredAsGiven_AndNotCapped()
    {
        using var client = await IntegratorAsync();
        var number = NewNumber();
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/notification/sms/send", new { phone = number, content = "order " + i, bizType = "Order_Notice" })).Status);
        using var db = app.Db();
        Assert.Equal(["Order_Notice", "Order_Notice", "Order_Notice"], await db.Messages.Where(m => m.Recipient == number).Select(m => m.BizType).ToListAsync());
    }

    [Fact]
    public async Task TwentyConcurrentVerificationCodes_ToOneNewNumber_SendExactlyOne()
    {
        var tenant = await app.CreateTenantAsync();
        var clients = new List<HttpClient>();
        for (var i = 0; i < 4; i++) clients.Add(await IntegratorAsync(tenant));
        var number = NewNumber();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            clients[i % clients.Count].PostAsync("/notification/sms/send", new { phone = number, content = "code " + i, bizType = "verify_code" })));

        Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
        Assert.Equal(19, answers.Count(a => a.Status == HttpStatusCode.TooManyRequests && a.Body.Int("code") == MessagingService.CodeTooManyCodes));
        using var db = app.Db();
        Assert.Equal(1, await db.Messages.CountAsync(m => m.TenantId == tenant && m.Recipient == number));
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public async Task TwentyConcurrentTemplateCodes_InWideAndAsciiDigits_SendExactlyOne()
    {
        var tenant = await app.CreateTenantAsync();
        using var client = await IntegratorAsync(tenant);
        var number = NewNumber();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => client.PostAsync("/notification/sms/send-template", new
        {
            phone = (i % 3) switch { 0 => number, 1 => InDigits(number, FullWidthZero), _ => InDigits(number, ArabicIndicZero) },
            templateCode = i % 2 == 0 ? "VERIFY_CODE" : "verify_code", @params = new { code = "1234", time = "5" },
        })));
        Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a => Assert.Equal(MessagingService.CodeTooManyCodes, a.Body.Int("code")));
        using var db = app.Db();
        Assert.Equal(1, await db.Messages.CountAsync(m => m.TenantId == tenant && m.Recipient == number));
    }
}
