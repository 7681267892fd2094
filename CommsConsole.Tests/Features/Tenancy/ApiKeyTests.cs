using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CommsConsole.Data;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Tenancy;

[Collection(AppCollection.Name)]
public sealed class ApiKeyTests(SharedApp app)
{
    private static readonly object Sms = new { phone = "13800138000", content = "x" };

    private HttpClient KeyClient(string key)
    {
        var client = app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<(long Id, string Key)> CreateAsync(HttpClient client, object? body = null)
    {
        var (status, created) = await client.PostAsync("/auth/api-keys", body ?? new { name = "ci" });
        Assert.True(status == HttpStatusCode.Created, created.ToString());
        return (created.Long("id"), created.Str("key"));
    }

    private async Task<ApiKeyStatus> RowAsync(long id)
    {
        await using var db = app.Db();
        return await db.ApiKeys.Where(k => k.Id == id).Select(k => new ApiKeyStatus(k.Hash, k.LastUsedAt, k.Prefix)).SingleAsync();
    }

    private sealed record ApiKeyStatus(byte[] Hash, DateTimeOffset? LastUsedAt, string Prefix);

    private async Task AsSystemAdminAsync(Func<TenancyService, Caller, Task> act, string tenant)
    {
        using var scope = app.Services.CreateScope();
        await act(scope.ServiceProvider.GetRequiredService<TenancyService>(), new Caller("usr_test_admin", tenant, Roles.SystemAdmin));
    }

    [Fact]
    public async Task ApiKey_IsShownOnce_StoredAsAHash_WorksAsBearer_AndRecordsItsLastUse()
    {
        var tenant = await app.CreateTenantAsync();
        var (integrator, integratorId) = await app.UserAsync(Roles.Integrator, tenant);

        var (status, created) = await integrator.PostAsync("/auth/api-keys", new { name = "  billing system  " });
        Assert.Equal(HttpStatusCode.Created, status);
        var key = created.Str("key");
        var id = created.Long("id");
        Assert.Matches("^cc_[a-z0-9]{10}_[A-Za-z0-9]{40}$", key);
        Assert.Equal("billing system", created.GetProperty("api_key").Str("name"));

        var row = await RowAsync(id);
        Assert.Equal(key[3..13], row.Prefix);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)), row.Hash);
        Assert.Null(row.LastUsedAt);

        using var withKey = KeyClient(key);
        var (sent, sentBody) = await withKey.PostAsync("/notification/sms/send", Sms);
        Assert.True(sent == HttpStatusCode.OK, sentBody.ToString());
        var logId = sentBody.GetProperty("data").Long("logId");
        await using (var db = app.Db())
        {
            Assert.Equal(integratorId, await db.Messages.Where(m => m.Id == logId).Select(m => m.UserId).SingleAsync());
        }
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetJsonAsync("/communication/logs")).Status);
        Assert.NotNull((await RowAsync(id)).LastUsedAt);

        var (listed, list) = await integrator.GetJsonAsync("/auth/api-keys");
        Assert.Equal(HttpStatusCode.OK, listed);
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal(row.Prefix, item.Str("prefix"));
        Assert.NotEqual(JsonValueKind.Null, item.GetProperty("last_used_at").ValueKind);
        Assert.False(item.TryGetProperty("key", out _));
        Assert.DoesNotContain(key[14..], list.ToString());
    }

    [Fact]
    public async Task ApiKey_Revoked_IsRefusedOnTheNextRequest()
    {
        var tenant = await app.CreateTenantAsync();
        var (integrator, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (id, key) = await CreateAsync(integrator);
        using var withKey = KeyClient(key);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetJsonAsync("/communication/logs")).Status);

        Assert.Equal(HttpStatusCode.OK, (await integrator.DeleteJsonAsync($"/auth/api-keys/{id}")).Status);

        var (status, body) = await withKey.GetJsonAsync("/communication/logs");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid API key", body.Str("message"));
        Assert.Equal(HttpStatusCode.NotFound, (await integrator.DeleteJsonAsync($"/auth/api-keys/{id}")).Status);
    }

    [Fact]
    public async Task ApiKey_OfALockedOwner_IsRefusedAtOnce_AndOfADemotedOwner_ActsWithTheNewRole()
    {
        var tenant = await app.CreateTenantAsync();
        var (locked, lockedId) = await app.UserAsync(Roles.Integrator, tenant);
        var (demoted, demotedId) = await app.UserAsync(Roles.Integrator, tenant);
        using var lockedKey = KeyClient((await CreateAsync(locked)).Key);
        using var demotedKey = KeyClient((await CreateAsync(demoted)).Key);
        Assert.Equal(HttpStatusCode.OK, (await lockedKey.PostAsync("/notification/sms/send", Sms)).Status);
        Assert.Equal(HttpStatusCode.OK, (await demotedKey.PostAsync("/notification/sms/send", Sms)).Status);

        await AsSystemAdminAsync(async (tenancy, admin) =>
        {
            Assert.True((await tenancy.SetLockedAsync(lockedId, true, admin, CancellationToken.None)).IsOk);
            Assert.True((await tenancy.ChangeRoleAsync(demotedId, Roles.Auditor, admin, CancellationToken.None)).IsOk);
        }, tenant);

        var (status, body) = await lockedKey.GetJsonAsync("/communication/logs");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("the account is locked", body.Str("message"));
        var (refused, refusal) = await demotedKey.PostAsync("/notification/sms/send", Sms);
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Equal("your role may not do this", refusal.Str("message"));
        Assert.Equal(HttpStatusCode.OK, (await demotedKey.GetJsonAsync("/communication/logs")).Status);

        await AsSystemAdminAsync(async (tenancy, admin) => Assert.True((await tenancy.SetLockedAsync(lockedId, false, admin, CancellationToken.None)).IsOk), tenant);
        Assert.Equal(HttpStatusCode.OK, (await lockedKey.GetJsonAsync("/communication/logs")).Status);
    }

    [Fact]
    public async Task ApiKey_KeepsWorking_WhenWrongPasswordsLockNewSignIns()
    {
        var tenant = await app.CreateTenantAsync();
        var (email, _) = await app.NewUserAsync(Roles.Integrator, tenant);
        using var owner = await app.ClientForAsync(email, AppFactory.UserPassword);
        using var withKey = KeyClient((await CreateAsync(owner)).Key);
        using var attacker = app.Anonymous();
        for (var i = 0; i < 5; i++) await attacker.PostAsync("/auth/token", new { email, password = "wrong" });
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.PostAsync("/auth/token", new { email, password = AppFactory.UserPassword })).Status);

        Assert.Equal(HttpStatusCode.OK, (await withKey.PostAsync("/notification/sms/send", Sms)).Status);
    }

    [Fact]
    public async Task ApiKey_Expired_IsRefused_AndAnExpiryInThePastIsNotAccepted()
    {
        var tenant = await app.CreateTenantAsync();
        var (integrator, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (past, pastBody) = await integrator.PostAsync("/auth/api-keys", new { name = "old", expires_at = DateTimeOffset.UtcNow.AddMinutes(-1) });
        Assert.Equal(HttpStatusCode.BadRequest, past);
        Assert.Equal("expires_at: must be in the future", pastBody.Str("message"));

        var (id, key) = await CreateAsync(integrator, new { name = "short", expires_at = DateTimeOffset.UtcNow.AddDays(1) });
        using var withKey = KeyClient(key);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetJsonAsync("/communication/logs")).Status);
        await using (var db = app.Db())
        {
            await db.ApiKeys.Where(k => k.Id == id).ExecuteUpdateAsync(s => s.SetProperty(k => k.ExpiresAt, DateTimeOffset.UtcNow.AddSeconds(-1)));
        }
        var (status, body) = await withKey.GetJsonAsync("/communication/logs");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("the API key has expired", body.Str("message"));
    }

    [Fact]
    public async Task ApiKey_Scopes_NarrowWhatTheOwnersRoleAllows()
    {
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        using var read = KeyClient((await CreateAsync(admin, new { name = "read", scopes = new[] { "read" } })).Key);
        using var send = KeyClient((await CreateAsync(admin, new { name = "send", scopes = new[] { "send" } })).Key);

        Assert.Equal(HttpStatusCode.OK, (await read.GetJsonAsync("/communication/logs")).Status);
        Assert.Equal(HttpStatusCode.OK, (await read.GetJsonAsync("/admin/users")).Status);
        var (refused, refusal) = await read.PostAsync("/notification/sms/send", Sms);
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Equal("this API key's scopes do not allow this", refusal.Str("message"));
        Assert.Equal(HttpStatusCode.Forbidden, (await read.PostAsync("/auth/api-keys", new { name = "more" })).Status);

        var (sent, sentBody) = await send.PostAsync("/notification/sms/send", Sms);
        Assert.Equal(HttpStatusCode.OK, sent);
        Assert.Equal(HttpStatusCode.OK, (await send.GetJsonAsync($"/notification/sms/status/{sentBody.GetProperty("data").Long("logId")}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await send.GetJsonAsync("/communication/logs")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await send.GetJsonAsync("/communication/contacts")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await send.GetJsonAsync("/admin/users")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await send.PostAsync("/auth/api-keys", new { name = "more" })).Status);

        var (bad, badBody) = await admin.PostAsync("/auth/api-keys", new { name = "x", scopes = new[] { "admin" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal("scopes: 'admin' is not a scope (send, read)", badBody.Str("message"));
    }

    [Fact]
    public async Task ApiKey_OfAnotherUserOrTenant_IsNotFound_AndAdminsManageOnlyTheirIntegratorsKeys()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        var (integrator, integratorId) = await app.UserAsync(Roles.Integrator, tenant);
        var (marketer, marketerId) = await app.UserAsync(Roles.Marketer, tenant);
        var (stranger, strangerId) = await app.UserAsync(Roles.Integrator, other);
        var (otherAdmin, _) = await app.UserAsync(Roles.Admin, other);
        var (integratorKey, key) = await CreateAsync(integrator);
        var (marketerKey, _) = await CreateAsync(marketer);

        // Neither another tenant's Admin nor a colleague who is not an Admin sees or revokes it.
        Assert.Equal(HttpStatusCode.NotFound, (await otherAdmin.DeleteJsonAsync($"/auth/api-keys/{integratorKey}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await marketer.DeleteJsonAsync($"/auth/api-keys/{integratorKey}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.DeleteJsonAsync($"/auth/api-keys/{integratorKey}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await integrator.DeleteJsonAsync("/auth/api-keys/not-a-number")).Status);
        Assert.Empty((await otherAdmin.GetJsonAsync("/auth/api-keys")).Body.GetProperty("items").EnumerateArray());
        using (var withKey = KeyClient(key)) Assert.Equal(HttpStatusCode.OK, (await withKey.GetJsonAsync("/communication/logs")).Status);

        // The tenant's Admin sees the Integrator's key, not the Marketer's, and makes keys for Integrators only.
        var adminSees = (await admin.GetJsonAsync("/auth/api-keys")).Body.GetProperty("items").EnumerateArray().Select(i => i.Long("id")).ToList();
        Assert.Equal([integratorKey], adminSees);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteJsonAsync($"/auth/api-keys/{marketerKey}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync("/auth/api-keys", new { name = "x", user_id = marketerId })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/auth/api-keys", new { name = "x", user_id = strangerId })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await marketer.PostAsync("/auth/api-keys", new { name = "x", user_id = integratorId })).Status);

        var (made, madeKey) = await CreateAsync(admin, new { name = "for the integrator", user_id = integratorId });
        Assert.Contains(made, (await integrator.GetJsonAsync("/auth/api-keys")).Body.GetProperty("items").EnumerateArray().Select(i => i.Long("id")));
        using (var asIntegrator = KeyClient(madeKey))
        {
            var logId = (await asIntegrator.PostAsync("/notification/sms/send", Sms)).Body.GetProperty("data").Long("logId");
            await using var db = app.Db();
            Assert.Equal(integratorId, await db.Messages.Where(m => m.Id == logId).Select(m => m.UserId).SingleAsync());
        }
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteJsonAsync($"/auth/api-keys/{integratorKey}")).Status);
    }

    [Theory]
    [InlineData("cc_")]
    [InlineData("cc_abcdefghij_")]
    [InlineData("cc_abcdefghij_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!")]
    [InlineData("cc_ABCDEFGHIJ_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task ApiKey_Malformed_Is401_InTheFamilysEnvelope(string presented)
    {
        using var client = KeyClient(presented);
        var (status, body) = await client.GetJsonAsync("/communication/logs");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("malformed API key", body.Str("message"));
    }

    [Fact]
    public async Task ApiKey_ForgedSecret_OversizeHeader_AndANotificationPath_AreRefusedAsJson()
    {
        var tenant = await app.CreateTenantAsync();
        var (integrator, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (_, key) = await CreateAsync(integrator);
        var forged = key[..^1] + (key[^1] == 'A' ? 'B' : 'A');
        using (var client = KeyClient(forged))
        {
            var (status, body) = await client.GetJsonAsync("/communication/logs");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("invalid API key", body.Str("message"));
            var (notification, notificationBody) = await client.PostAsync("/notification/sms/send", Sms);
            Assert.Equal(HttpStatusCode.Unauthorized, notification);
            Assert.Equal(401, notificationBody.Int("code"));
        }
        using (var client = KeyClient(key + new string('A', 8_000)))
        {
            var (status, body) = await client.GetJsonAsync("/communication/logs");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("malformed API key", body.Str("message"));
        }
    }

    [Fact]
    public async Task ApiKey_UsedByTwentyRequestsAtOnce_AllSucceed_AndTwentyCreatesAtOnceGiveTwentyKeys()
    {
        var tenant = await app.CreateTenantAsync();
        var (integrator, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (id, key) = await CreateAsync(integrator);
        using var withKey = KeyClient(key);

        var uses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => withKey.PostAsync("/notification/sms/send", Sms)));
        Assert.All(uses, u => Assert.Equal(HttpStatusCode.OK, u.Status));
        Assert.NotNull((await RowAsync(id)).LastUsedAt);

        var creates = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => integrator.PostAsync("/auth/api-keys", new { name = $"key {i}" })));
        Assert.All(creates, c => Assert.Equal(HttpStatusCode.Created, c.Status));
        Assert.Equal(20, creates.Select(c => c.Body.Str("key")).Distinct().Count());
        var listed = (await integrator.GetJsonAsync("/auth/api-keys")).Body;
        Assert.Equal(21, listed.Int("total"));
        foreach (var created in creates.Take(3))
        {
            using var client = KeyClient(created.Body.Str("key"));
            Assert.Equal(HttpStatusCode.OK, (await client.GetJsonAsync("/communication/logs")).Status);
        }
    }

    [Fact]
    public async Task ApiKey_WithoutAName_OrWithAnOverlongOne_Is400_AndNothingIsWritten()
    {
        var tenant = await app.CreateTenantAsync();
        var (integrator, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (missing, body) = await integrator.PostAsync("/auth/api-keys", new { name = " " });
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Equal("name: required, at most 100 characters", body.Str("message"));
        Assert.Equal(HttpStatusCode.BadRequest, (await integrator.PostAsync("/auth/api-keys", new { name = new string('n', 101) })).Status);
        Assert.Equal(0, (await integrator.GetJsonAsync("/auth/api-keys")).Body.Int("total"));
    }

    [Fact]
    public async Task ApiKey_Cap_HoldsWhenTwentyCreatesRaceForTheLastPlace()
    {
        var tenant = await app.CreateTenantAsync();
        var (integrator, integratorId) = await app.UserAsync(Roles.Integrator, tenant);
        await using (var db = app.Db())
        {
            for (var i = 0; i < ApiKeyService.MaxPerUser - 1; i++)
            {
                var (key, prefix) = ApiKeyFormat.Generate();
                db.ApiKeys.Add(new ApiKey
                {
                    TenantId = tenant, UserId = integratorId, CreatedBy = integratorId, Name = $"old {i}", Prefix = prefix,
                    Hash = ApiKeyFormat.Hash(key), CreatedAt = DateTimeOffset.UtcNow,
                });
            }
            await db.SaveChangesAsync();
        }

        var creates = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => integrator.PostAsync("/auth/api-keys", new { name = $"race {i}" })));

        Assert.Single(creates, c => c.Status == HttpStatusCode.Created);
        Assert.All(creates.Where(c => c.Status != HttpStatusCode.Created), c =>
        {
            Assert.Equal(HttpStatusCode.Conflict, c.Status);
            Assert.Equal($"at most {ApiKeyService.MaxPerUser} API keys a user; revoke one first", c.Body.Str("message"));
        });
        await using (var db = app.Db())
        {
            Assert.Equal(ApiKeyService.MaxPerUser, await db.ApiKeys.CountAsync(k => k.UserId == integratorId));
        }
        Assert.Equal(ApiKeyService.MaxPerUser, (await integrator.GetJsonAsync("/auth/api-keys")).Body.Int("total"));
    }

}
