using CommsConsole.Data;
using System.Net;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Providers;

/// <summary>
/// A tenant's Admin cannot make the server connect inside its networks through a provider account: refused when saved,
/// naming the field, and refused again at every connection (a listener on 127.0.0.1 stands for what is inside).
/// </summary>
public sealed class ProviderDestinationTests(GuardedApp app) : IClassFixture<GuardedApp>, IDisposable
{
    private readonly LoopbackListener _listener = new();

    private int Port => _listener.Port;

    public void Dispose() => _listener.Dispose();

    private object Submail(string baseUrl) => new
    {
        kind = "submail", app_id = "10001", app_key = "0123456789abcdef0123456789abcdef", base_url = baseUrl.Replace("{port}", Port.ToString()),
        signature = "【T】",
    };

    private object Smtp(string host) => new { kind = "smtp", host, port = Port, security = "none", from_address = "news@tenant.example", password = "smtp-password-1234" };

    [Theory]
    [InlineData("http://127.0.0.1:{port}")]
    [InlineData("http://localhost:{port}")]
    [InlineData("http://[::1]:{port}")]
    [InlineData("http://169.254.169.254")]
    [InlineData("http://10.0.0.1:{port}")]
    [InlineData("http://192.168.1.10")]
    [InlineData("http://100.64.0.1")]
    [InlineData("http://0.0.0.0:{port}")]
    [InlineData("http://[::ffff:127.0.0.1]:{port}")]
    [InlineData("http://[fe80::1]:{port}")]
    [InlineData("http://[fd00::1]:{port}")]
    [InlineData("http://2130706433:{port}")]
    [InlineData("http://0x7f000001:{port}")]
    [InlineData("https://127.1:{port}")]
    public Task SubmailBaseUrl_InsideTheServersNetworks_IsRefusedNamingBaseUrl_AndNothingConnects(string baseUrl) =>
        AssertRefusedAsync("/admin/providers/sms/primary", Submail(baseUrl), "base_url");

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    [InlineData("::1")]
    [InlineData("169.254.169.254")]
    [InlineData("10.0.0.1")]
    [InlineData("172.20.0.5")]
    [InlineData("0.0.0.0")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("2130706433")]
    public Task SmtpHost_InsideTheServersNetworks_IsRefusedNamingHost_AndNothingConnects(string host) =>
        AssertRefusedAsync("/admin/providers/email/primary", Smtp(host), "host");

    private async Task AssertRefusedAsync(string path, object account, string field)
    {
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        var (status, body) = await admin.PutAsync(path, account);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(400, body.Int("code"));
        Assert.StartsWith($"{field}: refused", body.Str("message"));
        await AssertNothingStoredAsync(tenant);
        _listener.AssertNothingConnected();
    }

    [Fact]
    public async Task RefusedDestinations_TwentyAtOnce_AreAllRefused_AndNothingIsStored()
    {
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => i % 2 == 0
            ? admin.PutAsync("/admin/providers/sms/primary", Submail("http://localhost:{port}"))
            : admin.PutAsync("/admin/providers/email/fallback", Smtp("127.0.0.1"))));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.Status));
        await AssertNothingStoredAsync(tenant);
        _listener.AssertNothingConnected();
    }

    [Fact]
    public async Task PublicDestinations_AreSaved_WithoutConnecting()
    {
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/admin/providers/sms/primary", Submail("https://8.8.8.8"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/admin/providers/email/primary", Smtp("2606:4700:4700::1111"))).Status);
    }

    [Fact]
    public async Task StoredSubmailAddress_PointingInside_IsRefusedAtConnectTime_AsAPermanentFailure()
    {
        var tenant = await app.CreateTenantAsync();
        await StoreAccountAsync(tenant, Channel.Sms, ProviderKinds.Submail, new ProviderSettings
        {
            AppId = "10001", AppKey = "0123456789abcdef0123456789abcdef", SignType = "md5", BaseUrl = $"http://localhost:{Port}", Signature = "【T】",
        });
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var phones = Enumerable.Range(0, 20).Select(i => $"138000002{i:D2}").ToArray();
        var batchId = (await marketer.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "hi", recipients = phones })).Body.Long("batch_id");

        await AssertFailedOnceAsync(batchId, "SUBMAIL address refused");
    }

    [Fact]
    public async Task StoredSmtpHost_PointingInside_IsRefusedAtConnectTime_AsAPermanentFailure()
    {
        var tenant = await app.CreateTenantAsync();
        await StoreAccountAsync(tenant, Channel.Email, ProviderKinds.Smtp, new ProviderSettings
        {
            Host = "127.0.0.1", Port = Port, Security = "None", FromAddress = "news@tenant.example", TimeoutSeconds = 30,
        });
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var batchId = (await marketer.PostAsync("/communication/bulk", new
        {
            channel = "email", purpose = "transactional", subject = "Hi", content = "Hello", recipients = new[] { "bob@example.com", "eve@example.com" },
        })).Body.Long("batch_id");

        await AssertFailedOnceAsync(batchId, "SMTP host refused");
    }

    /// <summary>Writes an account as an older version or another path could have left it, bypassing the checks of saving.</summary>
    private async Task StoreAccountAsync(string tenant, Channel channel, string kind, ProviderSettings settings)
    {
        var factory = app.Services.GetRequiredService<ProviderAccountFactory>();
        using var db = app.Db();
        db.ProviderAccounts.Add(new ProviderAccount
        {
            TenantId = tenant, Channel = channel, Role = ProviderRole.Primary, Kind = kind,
            Settings = System.Text.Json.JsonSerializer.Serialize(settings.WithoutSecrets()),
            ProtectedSecrets = factory.Protect(ProviderSecrets.Of(settings)), UpdatedAt = DateTimeOffset.UtcNow, UpdatedBy = "test",
        });
        await db.SaveChangesAsync();
    }

    private async Task AssertFailedOnceAsync(long batchId, string reason)
    {
        await app.WaitUntilAsync(async d => !await d.Messages.AnyAsync(m => m.BatchId == batchId && m.Status != MessageStatus.Failed),
            because: "every message failed at once");
        using var db = app.Db();
        var rows = await db.Messages.Where(m => m.BatchId == batchId).ToListAsync();
        Assert.All(rows, m =>
        {
            Assert.StartsWith(reason, m.Error);
            Assert.Contains("loopback", m.Error);
            Assert.Equal(0, m.RetryCount);
        });
        var ids = rows.Select(m => m.Id).ToList();
        Assert.Equal(rows.Count, await db.MessageAttempts.CountAsync(a => ids.Contains(a.MessageId)));
        _listener.AssertNothingConnected();
    }

    private async Task AssertNothingStoredAsync(string tenant)
    {
        using var db = app.Db();
        Assert.False(await db.ProviderAccounts.AnyAsync(a => a.TenantId == tenant));
    }
}
