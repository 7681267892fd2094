using System.Net;
using System.Text.Json;
using CommsConsole.Data;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features.Messaging;

/// <summary>The bulkhead on API log queries: beyond its permits they wait their turn; beyond its queue they are told to come back.</summary>
public sealed class LogReadLimitTests
{
    [Fact]
    public async Task TwentyQueriesAtOnce_OverOnePermit_AllAnswerTheirOwnPage()
    {
        await using var app = await StartAsync(concurrency: 1, queue: 100);
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Admin, tenant);
        var (sent, _) = await client.PostAsync("/communication/bulk",
            new { channel = "sms", content = "hello", recipients = Enumerable.Range(0, 20).Select(i => "138001392" + i.ToString("D2")).ToArray() });
        Assert.Equal(HttpStatusCode.OK, sent);

        var answers = await Task.WhenAll(Enumerable.Range(1, 20).Select(page => client.GetJsonAsync($"/communication/logs?page={page}&page_size=1")));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(answers, a => Assert.Equal(20, a.Body.Int("total")));
        var recipients = answers.Select(a => a.Body.GetProperty("items").EnumerateArray().Single().Str("recipient")).ToList();
        Assert.Equal(20, recipients.Distinct().Count());
    }

    [Fact]
    public async Task BeyondTheQueue_AQueryIsRefusedWith503AndRetryAfter_InTheEnvelope_AndSendsAreNotLimited()
    {
        await using var app = await StartAsync(concurrency: 1, queue: 0);
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Admin, tenant);

        // With one permit and no queue, simultaneous queries overlap on any machine within a few rounds.
        HttpResponseMessage? refused = null;
        for (var round = 0; round < 20 && refused is null; round++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => client.GetAsync("/communication/logs")));
            Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable }));
            refused = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        }
        Assert.NotNull(refused);
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        var envelope = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(503, envelope.Int("code"));

        var sends = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            client.PostAsync("/communication/bulk", new { channel = "sms", content = "hi", recipients = new[] { "138001394" + i.ToString("D2") } })));
        Assert.All(sends, s => Assert.Equal(HttpStatusCode.OK, s.Status));
    }

    private static async Task<AppFactory> StartAsync(int concurrency, int queue)
    {
        var app = new AppFactory(null, new Dictionary<string, string?>
        {
            ["Messaging:LogReads:Concurrency"] = concurrency.ToString(),
            ["Messaging:LogReads:QueueLimit"] = queue.ToString(),
        });
        await ((IAsyncLifetime)app).InitializeAsync();
        return app;
    }
}
