using System.Net;
using System.Security.Cryptography;
using System.Text;
using CommsConsole.Data;
using CommsConsole.Features.Common;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers;
using CommsConsole.Features.Tenancy;
using CommsConsole.Testing;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Providers;

/// <summary>Each tenant's own provider accounts: managed over /admin/providers, used by dispatch, secrets never shown back.</summary>
[Collection(AppCollection.Name)]
public sealed class TenantProviderTests(SharedApp app)
{
    private static object Submail(FakeSubmailServer server, string? appKey = FakeSubmailServer.AppKey, string? subhookKey = null) => new
    {
        kind = "submail", app_id = FakeSubmailServer.AppId, app_key = appKey, sign_type = "md5",
        base_url = server.BaseUrl.ToString(), signature = "【TenantA】", subhook_key = subhookKey, unit_price = 0.03m,
    };

    [Fact]
    public async Task SavedSecrets_AreMaskedInEveryAnswer_EncryptedAtRest_AndKeptWhenLeftBlank()
    {
        await using var submail = await FakeSubmailServer.StartAsync();
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        const string subhookKey = "subhook-secret-of-tenant-a-0042";

        var (status, saved) = await admin.PutAsync("/admin/providers/sms/primary", Submail(submail, subhookKey: subhookKey));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("••••cdef", saved.Str("app_key"));
        Assert.Equal("••••0042", saved.Str("subhook_key"));
        Assert.Equal("submail", saved.Str("kind"));

        // Changing the signature alone keeps both secrets.
        var (again, changed) = await admin.PutAsync("/admin/providers/sms/primary", new
        {
            kind = "submail", app_id = FakeSubmailServer.AppId, base_url = submail.BaseUrl.ToString(), signature = "【TenantB】",
        });
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal("【TenantB】", changed.Str("signature"));
        Assert.Equal("••••cdef", changed.Str("app_key"));

        var list = await admin.GetAsync("/admin/providers");
        var text = await list.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains("••••cdef", text);
        Assert.DoesNotContain(FakeSubmailServer.AppKey, text);
        Assert.DoesNotContain(subhookKey, text);

        using var db = app.Db();
        var row = await db.ProviderAccounts.SingleAsync(a => a.TenantId == tenant);
        Assert.DoesNotContain(FakeSubmailServer.AppKey, row.Settings + row.ProtectedSecrets);
        Assert.DoesNotContain(subhookKey, row.Settings + row.ProtectedSecrets);

        // The kept key still signs: a send goes through with the tenant's new signature.
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var batchId = (await marketer.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "hello", recipients = new[] { "13800000011" } })).Body.Long("batch_id");
        await app.WaitUntilAsync(async d => await d.Messages.AnyAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Sent));
        var request = Assert.Single(submail.Requests);
        Assert.True(request.Accepted);
        Assert.Equal("【TenantB】hello", request.Form["content"]);
    }

    [Theory]
    [InlineData("/admin/providers/sms/primary", """{"kind":"smtp","host":"mail.example.com","from_address":"a@example.com"}""", "kind")]
    [InlineData("/admin/providers/sms/primary", """{"app_id":"1"}""", "kind")]
    [InlineData("/admin/providers/sms/primary", """{"kind":"submail","app_key":"k"}""", "app_id")]
    [InlineData("/admin/providers/sms/primary", """{"kind":"submail","app_id":"1"}""", "app_key")]
    [InlineData("/admin/providers/sms/primary", """{"kind":"submail","app_id":"1","app_key":"k","sign_type":"rsa"}""", "sign_type")]
    [InlineData("/admin/providers/sms/primary", """{"kind":"submail","app_id":"1","app_key":"k","base_url":"ftp://x"}""", "base_url")]
    [InlineData("/admin/providers/sms/primary", """{"kind":"submail","app_id":"1","app_key":"k","signature":"Tenant"}""", "signature")]
    [InlineData("/admin/providers/sms/fallback", """{"kind":"submail","app_id":"1","app_key":"k","unit_price":-1}""", "unit_price")]
    [InlineData("/admin/providers/email/primary", """{"kind":"smtp","from_address":"a@example.com"}""", "host")]
    [InlineData("/admin/providers/email/primary", """{"kind":"smtp","host":"h","port":70000,"from_address":"a@example.com"}""", "port")]
    [InlineData("/admin/providers/email/primary", """{"kind":"smtp","host":"h","from_address":"not an address"}""", "from_address")]
    [InlineData("/admin/providers/email/primary", """{"kind":"smtp","host":"h","from_address":"a@example.com","security":"ssl3"}""", "security")]
    [InlineData("/admin/providers/fax/primary", """{"kind":"simulated"}""", "channel")]
    [InlineData("/admin/providers/sms/secondary", """{"kind":"simulated"}""", "role")]
    public async Task BadSettings_AreRefusedNamingTheField_AndNothingIsStored(string path, string json, string field)
    {
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        var response = await admin.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"{field}:", body);
        using var db = app.Db();
        Assert.False(await db.ProviderAccounts.AnyAsync(a => a.TenantId == tenant));
    }

    public static TheoryData<string, string, string> TooLongSettings()
    {
        static string Long(int n) => new('a', n);
        const string submail = "\"kind\":\"submail\",\"app_id\":\"1\",\"app_key\":\"k\"";
        const string smtp = "\"kind\":\"smtp\",\"host\":\"mail.example.com\",\"from_address\":\"a@example.com\"";
        return new TheoryData<string, string, string>
        {
            { "/admin/providers/email/primary", $"{{\"kind\":\"smtp\",\"from_address\":\"a@example.com\",\"host\":\"{Long(10_000)}\"}}", "host" },
            { "/admin/providers/email/primary", $"{{\"kind\":\"smtp\",\"from_address\":\"a@example.com\",\"host\":\"{Long(254)}\"}}", "host" },
            { "/admin/providers/email/primary", $"{{{smtp},\"from_name\":\"{Long(100_000)}\"}}", "from_name" },
            { "/admin/providers/email/primary", $"{{{smtp},\"from_name\":\"{Long(201)}\"}}", "from_name" },
            { "/admin/providers/email/primary", $"{{{smtp},\"user_name\":\"{Long(257)}\"}}", "user_name" },
            { "/admin/providers/email/primary", $"{{{smtp},\"password\":\"{Long(1_025)}\"}}", "password" },
            { "/admin/providers/email/primary", $"{{{smtp},\"security\":\"{Long(10_000)}\"}}", "security" },
            { "/admin/providers/email/primary", $"{{\"kind\":\"smtp\",\"host\":\"h\",\"from_address\":\"{Long(300)}@example.com\"}}", "from_address" },
            { "/admin/providers/email/primary", $"{{\"kind\":\"smtp\",\"host\":\"not a host\",\"from_address\":\"a@example.com\"}}", "host" },
            { "/admin/providers/sms/primary", $"{{{submail},\"base_url\":\"https://example.com/{Long(2_048)}\"}}", "base_url" },
            { "/admin/providers/sms/primary", $"{{\"kind\":\"submail\",\"app_id\":\"1\",\"app_key\":\"{Long(257)}\"}}", "app_key" },
            { "/admin/providers/sms/primary", $"{{{submail},\"subhook_key\":\"{Long(257)}\"}}", "subhook_key" },
            { "/admin/providers/sms/primary", $"{{{submail},\"sign_type\":\"{Long(10_000)}\"}}", "sign_type" },
            { "/admin/providers/sms/primary", $"{{{submail},\"signature\":\"【{Long(100_000)}】\"}}", "signature" },
        };
    }

    [Theory]
    [MemberData(nameof(TooLongSettings))]
    public Task TooLongText_IsRefusedNamingTheField_AndNothingIsStored(string path, string json, string field) =>
        BadSettings_AreRefusedNamingTheField_AndNothingIsStored(path, json, field);

    [Fact]
    public async Task TooLongHost_TwentyAtOnce_IsRefusedEveryTime_AndNothingIsStored()
    {
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        var body = new { kind = "smtp", host = new string('h', 10_000), from_address = "a@example.com", from_name = new string('n', 100_000) };
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => admin.PutAsync("/admin/providers/email/primary", body)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.Status));
        Assert.All(answers, a => Assert.StartsWith("host: at most 253 characters", a.Body.Str("message")));
        using var db = app.Db();
        Assert.False(await db.ProviderAccounts.AnyAsync(a => a.TenantId == tenant));
    }

    private static Dictionary<string, object?> SubmailAccount() => new()
    {
        ["kind"] = "submail", ["app_id"] = "10001", ["app_key"] = "app-key-of-the-tenant-0001", ["base_url"] = "http://127.0.0.1:1", ["signature"] = "【T】",
    };

    private static Dictionary<string, object?> SmtpAccount() => new()
    {
        ["kind"] = "smtp", ["host"] = "mail-a.example", ["port"] = 587, ["security"] = "StartTls", ["user_name"] = "relay-user",
        ["password"] = "smtp-password-0002", ["from_address"] = "news@tenant.example",
    };

    [Theory]
    [InlineData("sms", "base_url", "http://127.0.0.2:1")]
    [InlineData("sms", "app_id", "10002")]
    [InlineData("email", "host", "mail-b.example")]
    [InlineData("email", "port", 2525)]
    [InlineData("email", "user_name", "another-user")]
    [InlineData("email", "security", "SslOnConnect")]
    public async Task BlankSecret_WithAChangedDestination_IsRefusedNamingTheSecret_AndNothingChanges(string channel, string field, object value)
    {
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        var path = $"/admin/providers/{channel}/primary";
        var account = channel == "sms" ? SubmailAccount() : SmtpAccount();
        var secret = channel == "sms" ? "app_key" : "password";
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync(path, account)).Status);
        string before;
        using (var db = app.Db()) before = await StoredAsync(db, tenant);

        var changed = new Dictionary<string, object?>(account) { [field] = value, [secret] = null };
        var (status, body) = await admin.PutAsync(path, changed);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith($"{secret}: must be entered again because the destination changed ({field})", body.Str("message"));
        using (var db = app.Db()) Assert.Equal(before, await StoredAsync(db, tenant));

        // Entered again, the secret goes with the new destination.
        changed[secret] = "a-new-secret-for-it-9876";
        var (saved, view) = await admin.PutAsync(path, changed);
        Assert.Equal(HttpStatusCode.OK, saved);
        Assert.Equal("••••9876", view.Str(secret));
    }

    [Fact]
    public async Task BlankSecret_WithAChangedDestination_TwentyAtOnce_IsRefusedEveryTime()
    {
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/admin/providers/sms/primary", SubmailAccount())).Status);
        string before;
        using (var db = app.Db()) before = await StoredAsync(db, tenant);

        var redirect = new Dictionary<string, object?>(SubmailAccount()) { ["base_url"] = "http://attacker.example", ["app_key"] = "" };
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => admin.PutAsync("/admin/providers/sms/primary", redirect)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.Status));
        using (var db = app.Db()) Assert.Equal(before, await StoredAsync(db, tenant));
    }

    [Fact]
    public async Task ConsoleSave_WithAChangedHostAndBlankPassword_IsRefusedByTheService()
    {
        var tenant = await app.CreateTenantAsync();
        var (_, userId) = await app.UserAsync(Roles.Admin, tenant);
        var caller = new Caller(userId, tenant, Roles.Admin);
        var input = new ProviderSettings { Host = "mail-a.example", Port = 587, Security = "StartTls", Password = "smtp-password-0003", FromAddress = "news@tenant.example" };
        using var scope = app.Services.CreateScope();
        var service = scope.ServiceProvider.GetRequiredService<ProviderSettingsService>();
        Assert.True((await service.SaveAsync(caller, null, Channel.Email, ProviderRole.Primary, "smtp", input, CancellationToken.None)).IsOk);

        var kept = await service.SaveAsync(caller, null, Channel.Email, ProviderRole.Primary, "smtp", input with { Password = null, FromName = "News" }, CancellationToken.None);
        Assert.True(kept.IsOk);
        Assert.Equal("••••0003", kept.Value!.Settings.Password);

        var moved = await service.SaveAsync(caller, null, Channel.Email, ProviderRole.Primary, "smtp", input with { Password = null, Host = "mail-b.example" }, CancellationToken.None);
        Assert.False(moved.IsOk);
        Assert.Equal(ErrorKind.Validation, moved.Error!.Kind);
        Assert.StartsWith("password: must be entered again because the destination changed (host)", moved.Error.Message);
        using var db = app.Db();
        Assert.Contains("mail-a.example", await StoredAsync(db, tenant));
    }

    private static async Task<string> StoredAsync(AppDbContext db, string tenant)
    {
        var row = await db.ProviderAccounts.AsNoTracking().SingleAsync(a => a.TenantId == tenant);
        return $"{row.Settings}|{row.ProtectedSecrets}|{row.UpdatedAt.UtcTicks}";
    }

    [Fact]
    public async Task SubmailAnswer_IsStoredPerNumber_AndBoundedTo2000Characters()
    {
        await using var submail = await FakeSubmailServer.StartAsync();
        submail.Padding = new string('p', 100_000);
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/admin/providers/sms/primary", Submail(submail))).Status);
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        string[] phones = ["13800000051", "13800000052"];
        var batchId = (await marketer.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "hi", recipients = phones })).Body.Long("batch_id");
        await app.WaitUntilAsync(async d => await d.Messages.CountAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Sent) == 2);

        using var db = app.Db();
        foreach (var m in await db.Messages.Where(m => m.BatchId == batchId).ToListAsync())
        {
            Assert.True(m.Response!.Length <= 2_000, $"response of {m.Response.Length} characters");
            Assert.Contains(m.Recipient, m.Response);
            Assert.DoesNotContain(phones.Single(p => p != m.Recipient), m.Response);
            Assert.DoesNotContain("total_fee", m.Response);
        }
    }

    [Fact]
    public async Task SubmailRequestError_WithAHugeMessage_IsStoredBounded()
    {
        await using var submail = await FakeSubmailServer.StartAsync();
        submail.RequestError = ("101", new string('m', 100_000));
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/admin/providers/sms/primary", Submail(submail))).Status);
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var batchId = (await marketer.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "hi", recipients = new[] { "13800000053" } })).Body.Long("batch_id");
        await app.WaitUntilAsync(async d => await d.Messages.AnyAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Failed));

        using var db = app.Db();
        var row = await db.Messages.SingleAsync(m => m.BatchId == batchId);
        Assert.True(row.Response!.Length <= 2_000, $"response of {row.Response.Length} characters");
        Assert.True(row.Error!.Length <= 2_000, $"error of {row.Error.Length} characters");
        Assert.StartsWith("SUBMAIL error 101", row.Error);
        var attempt = await db.MessageAttempts.SingleAsync(a => a.MessageId == row.Id);
        Assert.True((attempt.Response?.Length ?? 0) <= 2_000 && (attempt.Error?.Length ?? 0) <= 2_000);
    }

    [Fact]
    public async Task OnlyAdmins_ManageProviders_AndAnAdminOnlyItsOwnTenant()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        using var systemAdmin = await app.AdminAsync();
        var simulated = new { kind = "simulated" };

        Assert.Equal(HttpStatusCode.Forbidden, (await marketer.PutAsync("/admin/providers/sms/primary", simulated)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await marketer.GetJsonAsync("/admin/providers")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PutAsync($"/admin/providers/sms/primary?tenant_id={other}", simulated)).Status);
        Assert.Equal(HttpStatusCode.OK, (await systemAdmin.PutAsync($"/admin/providers/sms/primary?tenant_id={other}", simulated)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await systemAdmin.PutAsync("/admin/providers/sms/primary?tenant_id=tnt_missing", simulated)).Status);

        var (_, list) = await systemAdmin.GetJsonAsync($"/admin/providers?tenant_id={other}");
        Assert.Equal("simulated", Assert.Single(list.GetProperty("items").EnumerateArray()).Str("kind"));
        Assert.Equal(HttpStatusCode.OK, (await systemAdmin.DeleteJsonAsync($"/admin/providers/sms/primary?tenant_id={other}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await systemAdmin.DeleteJsonAsync($"/admin/providers/sms/primary?tenant_id={other}")).Status);
    }

    [Fact]
    public async Task BlankSettings_FallBackToTheInstallationsDefaults_WhichTheConsoleOffers()
    {
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        var smtp = new CommsConsole.Features.Providers.Smtp.SmtpOptions();
        var submail = new CommsConsole.Features.Providers.Submail.SubmailOptions();

        var (s1, email) = await admin.PutAsync("/admin/providers/email/primary", new { kind = "smtp", host = "127.0.0.1", from_address = "news@tenant.example" });
        Assert.Equal(HttpStatusCode.OK, s1);
        Assert.Equal(smtp.Port, email.Int("port"));
        Assert.Equal(smtp.Security, email.Str("security"));
        Assert.Equal(smtp.TimeoutSeconds, email.Int("timeout_seconds"));

        var (s2, sms) = await admin.PutAsync("/admin/providers/sms/primary", new { kind = "submail", app_id = "20002", app_key = "0123456789abcdef0123" });
        Assert.Equal(HttpStatusCode.OK, s2);
        Assert.Equal(submail.SignType, sms.Str("sign_type"));
        Assert.Equal(submail.BaseUrl, sms.Str("base_url"));

        // The console's editor starts a new account from the same values and offers the choices the service accepts.
        var defaults = ProviderSettingsService.Defaults;
        Assert.Equal((smtp.Port, smtp.Security, submail.SignType, submail.BaseUrl), (defaults.Port, defaults.Security, defaults.SignType, defaults.BaseUrl));
        Assert.Contains(defaults.SignType, ProviderSettingsService.SignTypes);
        Assert.Contains(defaults.Security, ProviderSettingsService.SecurityModes);
    }

    [Fact]
    public async Task EachTenant_SendsThroughItsOwnProvider_OthersKeepTheInstallationDefault()
    {
        await using var submail = await FakeSubmailServer.StartAsync();
        submail.Fee = 2;
        var withSubmail = await app.CreateTenantAsync();
        var withDefault = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, withSubmail);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/admin/providers/sms/primary", Submail(submail))).Status);

        var (a, _) = await app.UserAsync(Roles.Marketer, withSubmail);
        var (b, _) = await app.UserAsync(Roles.Marketer, withDefault);
        var batchA = (await a.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "A", recipients = new[] { "13800000021", "13800000022" } })).Body.Long("batch_id");
        var batchB = (await b.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "B", recipients = new[] { "13800000023" } })).Body.Long("batch_id");
        await app.WaitUntilAsync(async d => await d.Messages.CountAsync(m => (m.BatchId == batchA || m.BatchId == batchB) && m.Status == MessageStatus.Sent) == 3);

        var request = Assert.Single(submail.Requests);
        Assert.Equal(["13800000021", "13800000022"], request.To.Order());
        Assert.Equal("【TenantA】A", request.Form["content"]);
        using var db = app.Db();
        var rowsA = await db.Messages.Where(m => m.BatchId == batchA).ToListAsync();
        Assert.All(rowsA, m => Assert.Equal("submail", m.Provider));
        Assert.All(rowsA, m => Assert.Equal(0.06m, m.Cost));
        Assert.Equal("simulated", (await db.Messages.SingleAsync(m => m.BatchId == batchB)).Provider);

        var (_, logs) = await a.GetJsonAsync("/communication/logs");
        var items = logs.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.All(items, i => Assert.Equal("submail", i.Str("provider")));
        Assert.All(items, i => Assert.Equal("0.06", i.Str("cost")));
    }

    [Fact]
    public async Task SubhookReports_ToATenantsAddress_AreVerifiedWithThatTenantsKey()
    {
        await using var submail = await FakeSubmailServer.StartAsync();
        const string key = "tenant-subhook-key-7781";
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/admin/providers/sms/primary", Submail(submail, subhookKey: key))).Status);
        var (integrator, _) = await app.UserAsync(Roles.Integrator, tenant);
        var logId = (await integrator.PostAsync("/notification/sms/send", new { phone = "13800000031", content = "hi" })).Body.GetProperty("data").Long("logId");
        await app.WaitUntilAsync(async d => await d.Messages.AnyAsync(m => m.Id == logId && m.Status == MessageStatus.Sent));
        string sendId;
        using (var db = app.Db()) sendId = (await db.Messages.SingleAsync(m => m.Id == logId)).ThirdPartyId!;

        using var anonymous = app.Anonymous();
        var other = await app.CreateTenantAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"/webhooks/submail/{tenant}", Event("delivered", sendId, AppFactory.SubhookKey))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"/webhooks/submail/{other}", Event("delivered", sendId, key))).StatusCode);
        using (var db = app.Db()) Assert.Equal(MessageStatus.Sent, (await db.Messages.SingleAsync(m => m.Id == logId)).Status);

        var token = Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsync($"/webhooks/submail/{tenant}", Event("delivered", sendId, key, token))).StatusCode);
        using (var db = app.Db()) Assert.Equal(MessageStatus.Delivered, (await db.Messages.SingleAsync(m => m.Id == logId)).Status);

        // The same token carrying another event to the tenant's address is a replay.
        var replay = await anonymous.PostAsync($"/webhooks/submail/{tenant}", Event("dropped", sendId, key, token));
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Contains("replay", await replay.Content.ReadAsStringAsync());
        using (var db = app.Db()) Assert.Equal(MessageStatus.Delivered, (await db.Messages.SingleAsync(m => m.Id == logId)).Status);
    }

    private static FormUrlEncodedContent Event(string events, string sendId, string key, string? token = null) => Subhook.Form(new Dictionary<string, string>
    {
        ["events"] = events, ["address"] = "13800000031", ["app"] = FakeSubmailServer.AppId, ["send_id"] = sendId,
    }, key, token);
}
