using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CommsConsole.Features.Api;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Api;

[Collection(AppCollection.Name)]
public sealed class IdempotentSendsTests(SharedApp app)
{
    private sealed record Answer(HttpStatusCode Status, string Body, bool Replayed, string? RetryAfter)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }

    private static async Task<Answer> PostAsync(HttpClient client, string path, object body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (key is not null) request.Headers.TryAddWithoutValidation(IdempotentSends.Header, key);
        using var response = await client.SendAsync(request);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(),
            response.Headers.TryGetValues(IdempotentSends.ReplayedHeader, out var r) && r.Single() == "true",
            response.Headers.TryGetValues("Retry-After", out var after) ? after.Single() : null);
    }

    private static object Bulk(string phone, string content = "【Shop】Your code is 1234") =>
        new { channel = "sms", purpose = "transactional", content, recipients = new[] { phone } };

    private static string NewKey() => Guid.NewGuid().ToString();

    private async Task<int> BatchesOfAsync(string userId)
    {
        using var db = app.Db();
        return await db.Batches.CountAsync(b => b.UserId == userId);
    }

    [Fact]
    public async Task Bulk_SameKeyAndBody_AnswersTheFirstAnswer_AndWritesOneBatch()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        var key = NewKey();

        var first = await PostAsync(client, "/communication/bulk", Bulk("13800138001"), key);
        var second = await PostAsync(client, "/communication/bulk", Bulk("13800138001"), key);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.False(first.Replayed);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.True(second.Replayed);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(1, await BatchesOfAsync(userId));
        using var db = app.Db();
        Assert.Equal(1, await db.Messages.CountAsync(m => m.UserId == userId));
        var stored = await db.IdempotencyKeys.SingleAsync(k => k.UserId == userId);
        Assert.True(stored.Completed);
        Assert.Equal(200, stored.StatusCode);
        var batchId = first.Json.Long("batch_id");
        await app.WaitUntilAsync(async c => await c.Batches.AnyAsync(b => b.Id == batchId && b.Sent == 1), because: "the message is dispatched once answered");
    }

    [Fact]
    public async Task SameKeyOnAnotherSendEndpoint_Is422_AndSendsNothing()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        var key = NewKey();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, "/communication/bulk", Bulk("13800138016"), key)).Status);

        var elsewhere = await PostAsync(client, "/notification/sms/send", new { phone = "13800138016", content = "【Shop】Your code is 1234" }, key);

        Assert.Equal((HttpStatusCode.UnprocessableEntity, 422), (elsewhere.Status, elsewhere.Json.Int("code")));
        Assert.Equal(JsonValueKind.Null, elsewhere.Json.GetProperty("data").ValueKind);
        Assert.Equal(1, await BatchesOfAsync(userId));
    }

    [Fact]
    public async Task Bulk_SameKeyWithAnotherBody_Is422NamingTheHeader_AndSendsNothing()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        var key = NewKey();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, "/communication/bulk", Bulk("13800138002"), key)).Status);

        var other = await PostAsync(client, "/communication/bulk", Bulk("13800138003"), key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.Status);
        Assert.False(other.Replayed);
        Assert.Equal(422, other.Json.Int("code"));
        Assert.StartsWith("Idempotency-Key:", other.Json.Str("message"));
        Assert.True(other.Json.TryGetProperty("timestamp", out _), "the /communication envelope");
        Assert.Equal(1, await BatchesOfAsync(userId));
    }

    [Fact]
    public async Task Bulk_SameKeyFromAnotherUserOrTenant_IsAnotherKey()
    {
        var tenant = await app.CreateTenantAsync();
        var otherTenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        var (colleague, colleagueId) = await app.UserAsync(Roles.Integrator, tenant);
        var (stranger, strangerId) = await app.UserAsync(Roles.Integrator, otherTenant);
        var key = NewKey();

        var mine = await PostAsync(client, "/communication/bulk", Bulk("13800138004"), key);
        var theirs = await PostAsync(colleague, "/communication/bulk", Bulk("13800138004"), key);
        var foreign = await PostAsync(stranger, "/communication/bulk", Bulk("13800138004"), key);

        Assert.All(new[] { mine, theirs, foreign }, a => Assert.Equal((HttpStatusCode.OK, false), (a.Status, a.Replayed)));
        Assert.NotEqual(mine.Json.Long("batch_id"), theirs.Json.Long("batch_id"));
        Assert.NotEqual(mine.Json.Long("batch_id"), foreign.Json.Long("batch_id"));
        Assert.Equal((1, 1, 1), (await BatchesOfAsync(userId), await BatchesOfAsync(colleagueId), await BatchesOfAsync(strangerId)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a\tb")]
    [InlineData("\"\"")]
    [InlineData("256")]
    public async Task Bulk_KeyEmptyOversizeOrWithControlCharacters_Is400NamingTheHeader_AndSendsNothing(string key)
    {
        if (key == "256") key = new string('k', 256);
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);

        var answer = await PostAsync(client, "/communication/bulk", Bulk("13800138005"), key);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.StartsWith("Idempotency-Key:", answer.Json.Str("message"));
        Assert.Equal(0, await BatchesOfAsync(userId));
        using var db = app.Db();
        Assert.False(await db.IdempotencyKeys.AnyAsync(k => k.UserId == userId));
    }

    [Fact]
    public async Task Bulk_KeyOf255PrintableCharacters_OrQuotedAsAStructuredString_IsTaken()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        var longest = string.Concat(Enumerable.Range(0, 255).Select(i => (char)(' ' + 1 + i % 94)));

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, "/communication/bulk", Bulk("13800138006"), longest)).Status);
        Assert.True((await PostAsync(client, "/communication/bulk", Bulk("13800138006"), longest)).Replayed);
        // The draft's form, "key", is the same key as key.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, "/communication/bulk", Bulk("13800138007"), "\"quoted-key\"")).Status);
        Assert.True((await PostAsync(client, "/communication/bulk", Bulk("13800138007"), "quoted-key")).Replayed);
        Assert.Equal(2, await BatchesOfAsync(userId));
    }

    [Fact]
    public async Task Bulk_RefusedFirstRequest_ReleasesTheKey_SoTheCorrectedRequestRunsUnderIt()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        var key = NewKey();

        var refused = await PostAsync(client, "/communication/bulk", new { channel = "fax", content = "hi", recipients = new[] { "13800138008" } }, key);
        var corrected = await PostAsync(client, "/communication/bulk", Bulk("13800138008"), key);

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal((HttpStatusCode.OK, false), (corrected.Status, corrected.Replayed));
        Assert.Equal(1, await BatchesOfAsync(userId));
    }

    [Fact]
    public async Task Bulk_SameKeyAfter24Hours_IsANewRequest_AndThePurgeForgetsOldKeys()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        var key = NewKey();
        var first = await PostAsync(client, "/communication/bulk", Bulk("13800138009"), key);
        Assert.Equal(HttpStatusCode.OK, first.Status);

        await AgeKeysOfAsync(userId, TimeSpan.FromHours(24));
        var later = await PostAsync(client, "/communication/bulk", Bulk("13800138009"), key);

        Assert.Equal((HttpStatusCode.OK, false), (later.Status, later.Replayed));
        Assert.NotEqual(first.Json.Long("batch_id"), later.Json.Long("batch_id"));
        Assert.Equal(2, await BatchesOfAsync(userId));

        // Just inside the lifetime the key still replays; past it, the purge deletes it.
        await AgeKeysOfAsync(userId, TimeSpan.FromHours(23.9));
        Assert.True((await PostAsync(client, "/communication/bulk", Bulk("13800138009"), key)).Replayed);
        await AgeKeysOfAsync(userId, TimeSpan.FromHours(0.2));
        Assert.True(await app.Services.GetRequiredService<IdempotencyStore>().PurgeAsync(CancellationToken.None) >= 1);
        using var db = app.Db();
        Assert.False(await db.IdempotencyKeys.AnyAsync(k => k.UserId == userId));
    }

    /// <summary>Moves the user's keys back in time, as the app's clock moving forward would.</summary>
    private async Task AgeKeysOfAsync(string userId, TimeSpan by)
    {
        using var db = app.Db();
        var keys = await db.IdempotencyKeys.Where(k => k.UserId == userId).ToListAsync();
        foreach (var k in keys) k.CreatedAt -= by;
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Bulk_TwentyConcurrentDuplicates_SendOneBatch_AndAnswerTheSameOr409()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        var key = NewKey();
        var body = new { channel = "sms", purpose = "transactional", content = "【Shop】Sale", recipients = Enumerable.Range(0, 200).Select(i => $"1380013{i:D4}").ToArray() };

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PostAsync(client, "/communication/bulk", body, key)));

        Assert.All(answers, a => Assert.Contains(a.Status, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
        var ok = answers.Where(a => a.Status == HttpStatusCode.OK).ToList();
        Assert.NotEmpty(ok);
        Assert.Single(ok.Select(a => a.Body).Distinct());
        Assert.Single(ok, a => !a.Replayed);
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.Conflict), a =>
        {
            Assert.Equal("1", a.RetryAfter);
            Assert.StartsWith("Idempotency-Key:", a.Json.Str("message"));
        });
        var again = await PostAsync(client, "/communication/bulk", body, key);
        Assert.Equal((HttpStatusCode.OK, true, ok[0].Body), (again.Status, again.Replayed, again.Body));
        Assert.Equal(1, await BatchesOfAsync(userId));
        using var db = app.Db();
        Assert.Equal(200, await db.Messages.CountAsync(m => m.UserId == userId));
    }

    [Fact]
    public async Task Bulk_WithoutTheHeader_SendsEveryTime()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);

        var first = await PostAsync(client, "/communication/bulk", Bulk("13800138010"), null);
        var second = await PostAsync(client, "/communication/bulk", Bulk("13800138010"), null);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.Status, second.Status));
        Assert.False(second.Replayed);
        Assert.Equal(2, await BatchesOfAsync(userId));
    }

    [Theory]
    [InlineData("/notification/sms/send")]
    [InlineData("/notification/sms/send-batch")]
    [InlineData("/notification/sms/send-template")]
    public async Task NotificationSends_SameKeyAndBody_ReplayTheFirstAnswer_AnotherBodyIs422InTheirEnvelope(string path)
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        var key = NewKey();
        object Body(string phone) => path switch
        {
            "/notification/sms/send" => new { phone, content = "【Shop】hi" },
            "/notification/sms/send-batch" => new { phones = new[] { phone }, content = "【Shop】hi", purpose = "transactional" },
            _ => new { phone, templateCode = "VERIFY_CODE", @params = new { code = "1234" } },
        };

        var first = await PostAsync(client, path, Body("13800138011"), key);
        var second = await PostAsync(client, path, Body("13800138011"), key);
        var other = await PostAsync(client, path, Body("13800138012"), key);

        Assert.Equal((HttpStatusCode.OK, 200), (first.Status, first.Json.Int("code")));
        Assert.Equal((HttpStatusCode.OK, true, first.Body), (second.Status, second.Replayed, second.Body));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, 422), (other.Status, other.Json.Int("code")));
        Assert.StartsWith("Idempotency-Key:", other.Json.Str("message"));
        Assert.Equal(JsonValueKind.Null, other.Json.GetProperty("data").ValueKind);
        Assert.Equal(1, await BatchesOfAsync(userId));
    }

    [Fact]
    public async Task NotificationSend_KeyWithControlCharacter_Is400InItsEnvelope()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);

        var answer = await PostAsync(client, "/notification/sms/send", new { phone = "13800138013", content = "【Shop】hi" }, "a\tb");

        Assert.Equal((HttpStatusCode.BadRequest, 400), (answer.Status, answer.Json.Int("code")));
        Assert.Equal(JsonValueKind.Null, answer.Json.GetProperty("data").ValueKind);
        Assert.Equal(0, await BatchesOfAsync(userId));
    }

    [Fact]
    public async Task NotificationSend_TwentyConcurrentDuplicates_SendOneSms_AndAnswerTheSameOr409()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        var key = NewKey();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            PostAsync(client, "/notification/sms/send", new { phone = "13800138014", content = "【Shop】hi" }, key)));

        Assert.All(answers, a => Assert.Contains(a.Status, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
        Assert.Single(answers.Where(a => a.Status == HttpStatusCode.OK).Select(a => a.Body).Distinct());
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.Conflict), a => Assert.Equal((409, "1"), (a.Json.Int("code"), a.RetryAfter)));
        using var db = app.Db();
        Assert.Equal(1, await db.Messages.CountAsync(m => m.UserId == userId));
    }

    [Fact]
    public async Task NotificationSend_CallerGivingUpWhileItRuns_StillStoresTheAnswer_SoTheRetryDoesNotSendAgain()
    {
        var tenant = await app.CreateTenantAsync();
        // Quiet hours now: a marketing SMS stays pending, so /send waits out its whole wait for an outcome.
        var now = DateTimeOffset.UtcNow;
        await app.SavePolicyAsync(tenant, p => p with
        {
            TimeZoneId = "UTC", QuietHoursStart = now.AddHours(-1).ToString("HH:mm"), QuietHoursEnd = now.AddHours(2).ToString("HH:mm"),
        });
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        var key = NewKey();
        var body = new { phone = "13800138015", content = "【Shop】Sale", purpose = "marketing" };

        using var giveUp = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/notification/sms/send") { Content = JsonContent.Create(body) };
        request.Headers.Add(IdempotentSends.Header, key);
        var sending = client.SendAsync(request, giveUp.Token);
        await app.WaitUntilAsync(db => db.IdempotencyKeys.AnyAsync(k => k.UserId == userId), because: "the request took its key");
        await giveUp.CancelAsync();
        try { (await sending).Dispose(); } catch (OperationCanceledException) { }

        await app.WaitUntilAsync(db => db.IdempotencyKeys.AnyAsync(k => k.UserId == userId && k.Completed), because: "the abandoned request ran to its answer");
        var retried = await PostAsync(client, "/notification/sms/send", body, key);
        Assert.Equal((HttpStatusCode.OK, true), (retried.Status, retried.Replayed));
        using var check = app.Db();
        Assert.Equal(1, await check.Messages.CountAsync(m => m.UserId == userId));
    }

    [Fact]
    public async Task Retry_SameKey_RetriesOnce_AndTheKeyOnAnotherRecordIs422()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var failed = new List<long>();
        foreach (var phone in new[] { AppFactory.RejectedPrefix + "0101", AppFactory.RejectedPrefix + "0102" })
        {
            var sent = await PostAsync(client, "/notification/sms/send", new { phone, content = "hi" }, null);
            Assert.Equal("failed", sent.Json.GetProperty("data").Str("status"));
            failed.Add(sent.Json.GetProperty("data").Long("logId"));
        }
        var key = NewKey();

        var first = await PostAsync(client, $"/notification/sms/retry/{failed[0]}", new { }, key);
        var again = await PostAsync(client, $"/notification/sms/retry/{failed[0]}", new { }, key);
        var elsewhere = await PostAsync(client, $"/notification/sms/retry/{failed[1]}", new { }, key);

        Assert.Equal((HttpStatusCode.OK, false), (first.Status, first.Replayed));
        Assert.Equal((HttpStatusCode.OK, true, first.Body), (again.Status, again.Replayed, again.Body));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, 422), (elsewhere.Status, elsewhere.Json.Int("code")));
        using var db = app.Db();
        Assert.Equal(1, (await db.Messages.SingleAsync(m => m.Id == failed[0])).RetryCount);
        Assert.Equal(0, (await db.Messages.SingleAsync(m => m.Id == failed[1])).RetryCount);
        Assert.Equal(2, await db.MessageAttempts.CountAsync(a => a.MessageId == failed[0]));
    }

    [Fact]
    public async Task Retry_WhenRefused_ReleasesTheKey()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        var key = NewKey();

        var missing = await PostAsync(client, "/notification/sms/retry/999999999", new { }, key);

        Assert.Equal((HttpStatusCode.NotFound, false), (missing.Status, missing.Replayed));
        using var db = app.Db();
        Assert.False(await db.IdempotencyKeys.AnyAsync(k => k.UserId == userId));
    }

    [Fact]
    public async Task OpenApi_DescribesTheHeader_OnTheSendOperationsOnly()
    {
        var (status, doc) = await app.Anonymous().GetJsonAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, status);
        static bool TakesKey(JsonElement op) => op.TryGetProperty("parameters", out var ps) &&
            ps.EnumerateArray().Any(p => p.Str("name") == IdempotentSends.Header && p.Str("in") == "header");
        var paths = doc.GetProperty("paths");
        Assert.True(TakesKey(paths.GetProperty("/communication/bulk").GetProperty("post")));
        Assert.True(paths.GetProperty("/communication/bulk").GetProperty("post").GetProperty("responses").TryGetProperty("422", out _));
        foreach (var path in new[] { "/notification/sms/send", "/notification/sms/send-batch", "/notification/sms/send-template", "/notification/sms/retry/{id}" })
            Assert.True(TakesKey(paths.GetProperty(path).GetProperty("post")), path);
        Assert.False(TakesKey(paths.GetProperty("/communication/logs").GetProperty("get")));
        Assert.False(TakesKey(paths.GetProperty("/notification/sms/status/{id}").GetProperty("get")));
    }
}
