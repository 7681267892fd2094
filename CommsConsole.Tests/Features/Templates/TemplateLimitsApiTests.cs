using System.Diagnostics;
using System.Net;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Templates;

/// <summary>Templates as a hostile tenant writes them, against the running app: refused quickly, nothing written, the app still answering.</summary>
[Collection(AppCollection.Name)]
public sealed class TemplateLimitsApiTests(SharedApp app)
{
    // About 300 characters that square a string four times over: 10, 100, 10,000, 100,000,000 characters.
    private const string NestedReplace =
        "{% assign a = \"xxxxxxxxxx\" %}{% assign a = a | replace: \"x\", a %}{% assign a = a | replace: \"x\", a %}" +
        "{% assign a = a | replace: \"x\", a %}{% assign a = a | replace: \"x\", a %}{{ a }}";

    private const string Limit = "at most 100000 are allowed";

    private static object Bulk(string content) => new { channel = "sms", purpose = "transactional", content, recipients = new[] { "13800138000" } };

    [Fact]
    public async Task Bulk_WithNestedReplaceTemplate_Is400NamingTheLimit_Quickly_AndWritesNothing()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        var watch = Stopwatch.StartNew();
        var (status, body) = await client.PostAsync("/communication/bulk", Bulk(NestedReplace));
        watch.Stop();

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("content: could not be rendered", body.Str("message"));
        Assert.Contains(Limit, body.Str("message"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}"); // the render's deadline is 250 ms
        using var db = app.Db();
        Assert.False(await db.Messages.AnyAsync(m => m.UserId == userId));
    }

    [Fact]
    public async Task StoredTemplate_WithCaptureDoubling_Is400_OnBulkAndSendTemplate()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        using (var db = app.Db())
        {
            db.Templates.Add(new CommsConsole.Data.Template
            {
                TenantId = tenant, Code = "DOUBLING", Name = "x", Channel = Channel.Sms,
                Body = "{% assign a = 'xxxxxxxxxx' %}" + string.Concat(Enumerable.Repeat("{% capture a %}{{ a }}{{ a }}{% endcapture %}", 30)) + "{{ a | size }}",
            });
            await db.SaveChangesAsync();
        }

        var (bulkStatus, bulk) = await client.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", template = "doubling", recipients = new[] { "13800138000" } });
        Assert.Equal(HttpStatusCode.BadRequest, bulkStatus);
        Assert.Contains("100000 characters allowed", bulk.Str("message"));

        var (sendStatus, send) = await client.PostAsync("/notification/sms/send-template", new { phone = "13800138000", templateCode = "DOUBLING", purpose = "transactional" });
        Assert.Equal(HttpStatusCode.BadRequest, sendStatus);
        Assert.Contains("100000 characters allowed", send.Str("message"));

        using var check = app.Db();
        Assert.False(await check.Messages.AnyAsync(m => m.UserId == userId));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(20)]
    public async Task Bulk_ManyExhaustingTemplatesAtOnce_AreAllRefused_AndTheAppStillAnswers(int parallel)
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        string[] attacks =
        [
            NestedReplace,
            "{% assign a = \"xxxxxxxxxx\" %}" + string.Concat(Enumerable.Repeat("{% assign a = a | append: a %}", 30)) + "{{ a | size }}",
            "{{ \"xxxxxxxxxx\" | times: 1000000000 | join: \"\" }}",
            "{% assign a = \"x\" | times: 90000 | join: \"\" %}{% assign b = a | split: \"\" | join: a %}{{ b | size }}",
        ];
        var watch = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, parallel).Select(i => client.PostAsync("/communication/bulk", Bulk(attacks[i % attacks.Length]))));
        watch.Stop();

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.Status));
        Assert.All(answers, a => Assert.Matches("characters|more than", a.Body.Str("message")));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        using (var db = app.Db()) Assert.False(await db.Messages.AnyAsync(m => m.UserId == userId));

        var (status, body) = await client.PostAsync("/communication/bulk", Bulk("{{ 'ok' | upcase }} {{ code }}"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("OK ", body.GetProperty("items")[0].Str("content"));
    }
}
