using System.Net;
using CommsConsole.Features.Security;
using CommsConsole.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace CommsConsole.Tests.Features.Security;

/// <summary>The network target guard: which addresses a tenant's destination may not reach, checked where the connection is made.</summary>
public sealed class NetworkTargetGuardTests
{
    private static NetworkTargetGuard Guard(bool allowPrivate = false) =>
        new(Options.Create(new NetworkTargetOptions { AllowPrivateNetworkTargets = allowPrivate }));

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.0.9", "loopback")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("172.16.5.4", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("::", "unspecified")]
    [InlineData("::1", "loopback")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fc00::1", "unique-local")]
    [InlineData("fd12:3456::1", "unique-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("::127.0.0.1", "IPv4-compatible")]
    [InlineData("64:ff9b::a00:1", "private")]
    [InlineData("2002:7f00:1::1", "loopback")]
    public void WhyRefused_ForAnAddressInsideTheServersNetworks_NamesTheReason(string address, string reason)
    {
        var why = NetworkTargetGuard.WhyRefused(IPAddress.Parse(address));
        Assert.NotNull(why);
        Assert.Contains(reason, why.Message);
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("2002:808:808::1")]
    public void WhyRefused_ForAPublicAddress_IsNull(string address) => Assert.Null(NetworkTargetGuard.WhyRefused(IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://127.0.0.1:{port}/")]
    [InlineData("http://localhost:{port}/")]
    [InlineData("http://[::ffff:127.0.0.1]:{port}/")]
    [InlineData("http://2130706433:{port}/")]
    [InlineData("http://0x7f000001:{port}/")]
    [InlineData("http://127.1:{port}/")]
    public async Task GuardedHttpClient_ToLoopback_IsRefusedBeforeConnecting_EvenTwentyAtOnce(string url)
    {
        using var listener = new LoopbackListener();
        using var http = new HttpClient(Guard().CreateHandler());
        var attempts = Enumerable.Range(0, 20).Select(_ => Assert.ThrowsAsync<HttpRequestException>(() =>
            http.PostAsync(url.Replace("{port}", listener.Port.ToString()) + "sms/batchsend", new StringContent("x")))).ToList();
        foreach (var ex in await Task.WhenAll(attempts))
        {
            var refused = Assert.IsType<NetworkTargetRefusedException>(ex.InnerException);
            Assert.Equal(IPAddress.Loopback, refused.Address.IsIPv4MappedToIPv6 ? refused.Address.MapToIPv4() : refused.Address);
        }
        listener.AssertNothingConnected();
    }

    [Fact]
    public async Task GuardedHttpClient_WhenPrivateTargetsAreAllowed_ConnectsToTheCheckedAddress()
    {
        using var listener = new LoopbackListener();
        using var http = new HttpClient(Guard(allowPrivate: true).CreateHandler()) { Timeout = TimeSpan.FromSeconds(30) };
        var request = http.GetAsync($"http://localhost:{listener.Port}/");
        using var accepted = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(accepted.Connected);
        accepted.Close();
        await Assert.ThrowsAnyAsync<Exception>(() => request);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("[::ffff:127.0.0.1]")]
    [InlineData("2130706433")]
    public async Task ConnectAsync_ToLoopback_IsRefused_AndNothingConnects(string host)
    {
        using var listener = new LoopbackListener();
        var ex = await Assert.ThrowsAsync<NetworkTargetRefusedException>(() => Guard().ConnectAsync(host, listener.Port, CancellationToken.None));
        Assert.Contains("loopback", ex.Message);
        listener.AssertNothingConnected();
    }

    [Fact]
    public async Task WhyRefusedAsync_ForANameThatDoesNotResolve_LeavesItToTheConnection()
    {
        Assert.Null(await Guard().WhyRefusedAsync("no-such-host.invalid", CancellationToken.None));
        Assert.Contains("loopback", (await Guard().WhyRefusedAsync("localhost", CancellationToken.None))?.Message);
        Assert.Null(await Guard(allowPrivate: true).WhyRefusedAsync("localhost", CancellationToken.None));
    }
}
