using System.Net;
using CommsConsole.Data;
using CommsConsole.Features.Tracking;
using CommsConsole.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Tracking;

/// <summary>The tracking endpoints' rate limit per client address, under twenty requests at once.</summary>
public sealed class TrackingRateLimitTests
{
    [Fact]
    public async Task TwentyHitsAtOnce_FromOneAddress_OverItsLimit_AreRefused429_WithRetryAfter()
    {
        await using var app = new AppFactory(null, new Dictionary<string, string?> { ["Tracking:RequestsPerMinutePerAddress"] = "5" });
        await ((IAsyncLifetime)app).InitializeAsync();
        var links = app.Services.GetRequiredService<TrackingLinks>();
        using var client = app.Anonymous();

        var paths = Enumerable.Range(0, 20).Select(i => i % 2 == 0
            ? "/o/" + links.Token(EngagementKind.Open, 1_000_000 + i, 0)
            : "/r/" + links.Token(EngagementKind.Click, 1_000_000 + i, 0));
        var responses = await Task.WhenAll(paths.Select(p => client.GetAsync(p)));

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.NotFound));
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(15, refused.Count);
        Assert.All(refused, r => Assert.True(r.Headers.RetryAfter?.Delta > TimeSpan.Zero));
        Assert.All(responses, r => Assert.Null(r.Headers.Location));
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:3:4:5:6", "20010DB800010002::/64")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "20010DB800010002::/64")]
    public void ClientKey_GroupsAnIPv6HostByIts64(string address, string key) =>
        Assert.Equal(key, TrackingRateLimitPolicy.ClientKey(IPAddress.Parse(address)));
}
