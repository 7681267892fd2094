using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;

namespace CommsConsole.Tests.Features.Providers;

/// <summary>The circuit around a primary provider and the failover it drives, on a controllable clock.</summary>
public sealed class FailoverProviderTests
{
    private sealed class ScriptedProvider(string name) : IMessageProvider
    {
        public bool Failing { get; set; }
        public int Calls { get; private set; }
        public string Name => name;
        public decimal UnitPrice => 0.1m;
        public bool Supports(Channel channel) => true;

        public Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken ct)
        {
            Calls++;
            return Task.FromResult<IReadOnlyList<SendResult>>(messages
                .Select(m => Failing ? SendResult.Transient(m.Id, "down") : new SendResult(m.Id, SendResultKind.Sent, ThirdPartyId: name + m.Id))
                .ToList());
        }
    }

    private static readonly IReadOnlyList<OutboundMessage> Chunk =
        [new(1, 1, "t", Channel.Sms, "13800000001", null, "hi", 1), new(2, 1, "t", Channel.Sms, "13800000002", null, "hi", 1)];

    [Fact]
    public async Task FailingPrimary_OpensAfterTheThreshold_FallbackCarries_ThenPrimaryIsTriedAgainAfterTheBreak()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-22T10:00:00Z"));
        var primary = new ScriptedProvider("primary") { Failing = true };
        var fallback = new ScriptedProvider("fallback");
        var breaker = new CircuitBreakingProvider(primary, new CircuitOptions { MinimumThroughput = 2, FailureRatio = 0.5, SamplingSeconds = 60, BreakSeconds = 30 }, clock);
        var failover = new FailoverProvider(breaker, fallback, NullLogger.Instance);

        // Below the threshold every failure is answered by the primary, for dispatch to retry.
        for (var i = 0; i < 2; i++)
        {
            var results = await failover.SendAsync(Chunk, CancellationToken.None);
            Assert.All(results, r => Assert.Equal((SendResultKind.TransientFailure, "primary"), (r.Kind, r.Provider)));
        }
        Assert.Equal(CircuitState.Open, breaker.State);

        var carried = await failover.SendAsync(Chunk, CancellationToken.None);
        Assert.All(carried, r => Assert.Equal((SendResultKind.Sent, "fallback"), (r.Kind, r.Provider)));
        Assert.Equal(2, primary.Calls);

        // Still open within the break, even though the primary has recovered.
        primary.Failing = false;
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.All(await failover.SendAsync(Chunk, CancellationToken.None), r => Assert.Equal("fallback", r.Provider));
        Assert.Equal(2, primary.Calls);

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.All(await failover.SendAsync(Chunk, CancellationToken.None), r => Assert.Equal((SendResultKind.Sent, "primary"), (r.Kind, r.Provider)));
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task APartlyFailedChunk_DoesNotCountAgainstThePrimary()
    {
        var clock = new FakeTimeProvider();
        var primary = new PartlyFailing();
        var breaker = new CircuitBreakingProvider(primary, new CircuitOptions { MinimumThroughput = 2, FailureRatio = 0.5 }, clock);
        for (var i = 0; i < 5; i++) await breaker.SendAsync(Chunk, CancellationToken.None);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task WithoutAFallback_AnOpenCircuitIsAnException_DispatchTreatsAsTransient()
    {
        var clock = new FakeTimeProvider();
        var primary = new ScriptedProvider("primary") { Failing = true };
        var breaker = new CircuitBreakingProvider(primary, new CircuitOptions { MinimumThroughput = 2 }, clock);
        await breaker.SendAsync(Chunk, CancellationToken.None);
        await breaker.SendAsync(Chunk, CancellationToken.None);
        await Assert.ThrowsAsync<BrokenCircuitException>(() => breaker.SendAsync(Chunk, CancellationToken.None));
    }

    /// <summary>One number refused for good, the other sent: the provider itself is working.</summary>
    private sealed class PartlyFailing : IMessageProvider
    {
        public string Name => "partly";
        public decimal UnitPrice => 0m;
        public bool Supports(Channel channel) => true;
        public Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<SendResult>>([SendResult.Permanent(messages[0].Id, "blacklisted"), new SendResult(messages[1].Id, SendResultKind.Sent)]);
    }
}
