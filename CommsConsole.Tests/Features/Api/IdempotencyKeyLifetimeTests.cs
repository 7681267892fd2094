using System.Net;
using System.Net.Http.Json;
using CommsConsole.Features.Api;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CommsConsole.Tests.Features.Api;

/// <summary>The key's 24 hours, on the app's own clock moved forward.</summary>
public sealed class IdempotencyKeyLifetimeTests
{
    private sealed class ClockedApp(FakeTimeProvider clock) : AppFactory(null)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(s => s.AddSingleton<TimeProvider>(clock));
        }
    }

    private static async Task<(HttpStatusCode Status, bool Replayed)> BulkAsync(HttpClient client, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/communication/bulk")
        {
            Content = JsonContent.Create(new { channel = "sms", purpose = "transactional", content = "【Shop】Code 1234", recipients = new[] { "13800138020" } }),
        };
        request.Headers.Add(IdempotentSends.Header, key);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, response.Headers.TryGetValues(IdempotentSends.ReplayedHeader, out var r) && r.Single() == "true");
    }

    [Fact]
    public async Task SameKey_ReplaysUntil24Hours_ThenIsANewRequest()
    {
        // The clock starts at the real time. Tokens are checked against the real time, so the one token taken at the
        // start serves every request while the app's clock moves a day ahead.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = new ClockedApp(clock);
        await ((IAsyncLifetime)app).InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Integrator, tenant);
        var key = Guid.NewGuid().ToString();

        Assert.Equal((HttpStatusCode.OK, false), await BulkAsync(client, key));
        clock.Advance(TimeSpan.FromHours(23.5));
        Assert.Equal((HttpStatusCode.OK, true), await BulkAsync(client, key));
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal((HttpStatusCode.OK, false), await BulkAsync(client, key));
        Assert.Equal((HttpStatusCode.OK, true), await BulkAsync(client, key));

        using var db = app.Db();
        Assert.Equal(2, await db.Batches.CountAsync(b => b.UserId == userId));
    }
}
