using System.Net;
using CommsConsole.Features.Tenancy;
using CommsConsole.Testing;
using CommsConsole.Tests.Features.Providers;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features.Webhooks;

[Collection(WebhookCollection.Name)]
public sealed class WebhookEndpointTests(WebhookApp app)
{
    private const string Url = "https://hooks.example.com/commsconsole";

    [Fact]
    public async Task Create_List_Patch_Delete_ShowTheSecretOnlyOnce()
    {
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        var (status, created) = await admin.PostAsync("/webhooks/endpoints", new { url = Url, events = new[] { "message.sent", "batch.completed" }, description = "<b>CRM</b>" });
        Assert.Equal(HttpStatusCode.Created, status);
        var id = created.Long("id");
        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", created.Str("secret"));
        Assert.Equal(["message.sent", "batch.completed"], created.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.True(created.GetProperty("enabled").GetBoolean());

        var (_, list) = await admin.GetJsonAsync("/webhooks/endpoints");
        var listed = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal(id, listed.Long("id"));
        Assert.Equal("<b>CRM</b>", listed.Str("description"));
        Assert.False(listed.TryGetProperty("secret", out _));

        var (patched, body) = await admin.PatchAsync($"/webhooks/endpoints/{id}", new { enabled = false, events = new[] { "message.failed" } });
        Assert.Equal(HttpStatusCode.OK, patched);
        Assert.False(body.GetProperty("enabled").GetBoolean());
        Assert.Equal(["message.failed"], body.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(Url, body.Str("url"));

        var (deleted, _) = await admin.DeleteJsonAsync($"/webhooks/endpoints/{id}");
        Assert.Equal(HttpStatusCode.OK, deleted);
        var (gone, _) = await admin.GetJsonAsync($"/webhooks/endpoints/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone);
    }

    [Fact]
    public async Task AnotherTenantsEndpoint_Is404_AndOnlyAdminsManageEndpoints()
    {
        var (owner, _) = await app.UserAsync(Roles.Admin, await app.CreateTenantAsync());
        var (id, _) = await owner.EndpointAsync(Url);
        var other = await app.CreateTenantAsync();
        var (stranger, _) = await app.UserAsync(Roles.Admin, other);

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetJsonAsync($"/webhooks/endpoints/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PatchAsync($"/webhooks/endpoints/{id}", new { enabled = false })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/webhooks/endpoints/{id}/rotate-secret", new { })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetJsonAsync($"/webhooks/endpoints/{id}/deliveries")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/webhooks/endpoints/{id}/test", new { })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.DeleteJsonAsync($"/webhooks/endpoints/{id}")).Status);
        Assert.Empty((await stranger.GetJsonAsync("/webhooks/endpoints")).Body.GetProperty("items").EnumerateArray());
        // Ids that are not ids answer as missing ones do: full-width digits, a sign, a huge number.
        foreach (var raw in new[] { "１２", "-1", "99999999999999999999999", "1%20OR%201=1" })
            Assert.Equal(HttpStatusCode.NotFound, (await owner.GetJsonAsync($"/webhooks/endpoints/{raw}")).Status);

        var (integrator, _) = await app.UserAsync(Roles.Integrator, other);
        var (forbidden, body) = await integrator.PostAsync("/webhooks/endpoints", new { url = Url, events = new[] { "message.sent" } });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
        Assert.Equal(403, body.Int("code"));
        using var anonymous = app.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetJsonAsync("/webhooks/endpoints")).Status);

        // The owner's endpoint is untouched.
        var (_, still) = await owner.GetJsonAsync($"/webhooks/endpoints/{id}");
        Assert.True(still.GetProperty("enabled").GetBoolean());
    }

    [Theory]
    [InlineData("""{"url":"ftp://hooks.example.com/x","events":["message.sent"]}""", "url")]
    [InlineData("""{"url":"hooks.example.com/x","events":["message.sent"]}""", "url")]
    [InlineData("""{"url":"https://user:secret@hooks.example.com/x","events":["message.sent"]}""", "url")]
    [InlineData("""{"events":["message.sent"]}""", "url")]
    [InlineData("""{"url":"https://hooks.example.com/x","events":[]}""", "events")]
    [InlineData("""{"url":"https://hooks.example.com/x","events":["message.ｓent"]}""", "events: 'message.ｓent' (item 1)")]
    [InlineData("""{"url":"https://hooks.example.com/x","events":["message.sent","<script>"]}""", "events: '<script>' (item 2)")]
    [InlineData("""{"url":"https://hooks.example.com/x","events":"message.sent"}""", "events")]
    public async Task BadInput_Is400_NamingTheField_AndWritesNothing(string json, string field)
    {
        var tenant = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);
        var (status, body) = await admin.PostRawAsync("/webhooks/endpoints", json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(field, body.Str("message"));
        Assert.Empty((await admin.GetJsonAsync("/webhooks/endpoints")).Body.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task OversizeUrlOrDescription_Is400()
    {
        var (admin, _) = await app.UserAsync(Roles.Admin, await app.CreateTenantAsync());
        var (longUrl, body) = await admin.PostAsync("/webhooks/endpoints", new { url = "https://hooks.example.com/" + new string('a', 3000), events = new[] { "message.sent" } });
        Assert.Equal(HttpStatusCode.BadRequest, longUrl);
        Assert.StartsWith("url", body.Str("message"));
        var (longDescription, d) = await admin.PostAsync("/webhooks/endpoints", new { url = Url, events = new[] { "message.sent" }, description = new string('d', 501) });
        Assert.Equal(HttpStatusCode.BadRequest, longDescription);
        Assert.StartsWith("description", d.Str("message"));
    }

    [Fact]
    public async Task TwentyEndpoints_CreatedAtOnce_AreTwentyWithTheirOwnSecrets()
    {
        var (admin, _) = await app.UserAsync(Roles.Admin, await app.CreateTenantAsync());
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            admin.PostAsync("/webhooks/endpoints", new { url = $"{Url}/{i}", events = new[] { "message.sent" } })));
        Assert.All(results, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Equal(20, results.Select(r => r.Body.Long("id")).Distinct().Count());
        Assert.Equal(20, results.Select(r => r.Body.Str("secret")).Distinct().Count());
        var (_, list) = await admin.GetJsonAsync("/webhooks/endpoints");
        Assert.Equal(20, list.Int("total"));
    }

    [Fact]
    public async Task SendTestEvent_AndResend_DeliverTheSameWebhookIdAgain()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, await app.CreateTenantAsync());
        var (id, secret) = await admin.EndpointAsync(receiver.Url, "message.sent");
        var (status, queued) = await admin.PostAsync($"/webhooks/endpoints/{id}/test", new { });
        Assert.Equal(HttpStatusCode.Accepted, status);
        await receiver.WaitForAsync(1, "the test event");
        var first = Assert.Single(receiver.Requests);
        Assert.True(StandardWebhooks.Verifies(secret, first));
        Assert.Contains("\"webhook.test\"", first.Body);

        await app.WaitUntilAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(db.WebhookDeliveries,
            d => d.Id == queued.Long("id") && d.Status == CommsConsole.Data.WebhookDeliveryStatus.Succeeded, default));
        var (resent, _) = await admin.PostAsync($"/webhooks/endpoints/{id}/deliveries/{queued.Long("id")}/resend", new { });
        Assert.Equal(HttpStatusCode.Accepted, resent);
        await receiver.WaitForAsync(2, "the resent event");
        Assert.Equal(first.Id, receiver.Requests.Last().Id);
    }
}

/// <summary>The installation as shipped: private targets are not allowed.</summary>
public sealed class WebhookDestinationTests(GuardedApp app) : IClassFixture<GuardedApp>
{
    [Theory]
    [InlineData("http://127.0.0.1:5741/hooks")]
    [InlineData("http://localhost/hooks")]
    [InlineData("http://[::1]/hooks")]
    [InlineData("http://10.0.0.8/hooks")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::ffff:127.0.0.1]/hooks")]
    public async Task APrivateOrLoopbackUrl_IsRefused_WhenPrivateTargetsAreNotAllowed(string url)
    {
        var (admin, _) = await app.UserAsync(Roles.Admin, await app.CreateTenantAsync());
        var (status, body) = await admin.PostAsync("/webhooks/endpoints", new { url, events = new[] { "message.sent" } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("url: refused", body.Str("message"));
    }

    [Fact]
    public async Task ANameThatResolvesInside_IsRefusedAtConnectTime()
    {
        using var listener = new LoopbackListener();
        var (admin, _) = await app.UserAsync(Roles.Admin, await app.CreateTenantAsync());
        // Saved while it resolved outside (here: a public literal), then pointed inside through the database, as DNS could.
        var (id, _) = await admin.EndpointAsync("https://hooks.example.com/x", "message.sent");
        using (var db = app.Db())
        {
            var endpoint = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.WebhookEndpoints, e => e.Id == id);
            endpoint.Url = $"http://127.0.0.1:{listener.Port}/hooks";
            await db.SaveChangesAsync();
        }
        var (status, _) = await admin.PostAsync($"/webhooks/endpoints/{id}/test", new { });
        Assert.Equal(HttpStatusCode.Accepted, status);
        await app.WaitUntilAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(db.WebhookAttempts, a => a.EndpointId == id, default));
        using var check = app.Db();
        var attempt = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(check.WebhookAttempts, a => a.EndpointId == id);
        Assert.Null(attempt.StatusCode);
        Assert.Contains("refused", attempt.Error);
        listener.AssertNothingConnected();
    }
}
