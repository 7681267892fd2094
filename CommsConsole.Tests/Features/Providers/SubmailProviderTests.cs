using System.Text.Json;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers;
using CommsConsole.Features.Providers.Submail;
using Microsoft.Extensions.Time.Testing;

using CommsConsole.Testing;

namespace CommsConsole.Tests.Features.Providers;

public sealed class SubmailProviderTests : IAsyncLifetime
{
    private FakeSubmailServer _server = null!;
    private readonly List<HttpClient> _clients = [];

    public async Task InitializeAsync() => _server = await FakeSubmailServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var c in _clients) c.Dispose();
        await _server.DisposeAsync();
    }

    private SubmailProvider Provider(string signType = "md5", string appKey = FakeSubmailServer.AppKey, TimeProvider? clock = null,
        TimeSpan? timeout = null, decimal unitPrice = 0.05m)
    {
        var http = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        _clients.Add(http);
        var options = new SubmailOptions
        {
            AppId = FakeSubmailServer.AppId, AppKey = appKey, SignType = signType, BaseUrl = _server.BaseUrl.ToString(),
            Signature = "【CommsConsole】", UnitPrice = unitPrice,
        };
        return new SubmailProvider(http, options, clock ?? TimeProvider.System);
    }

    private static OutboundMessage Sms(long id, string to, string content = "Your code is 4438", long batch = 7) =>
        new(id, batch, "t1", Channel.Sms, to, null, content, 1);

    [Theory]
    [InlineData("md5")]
    [InlineData("sha1")]
    [InlineData("normal")]
    public async Task EverySignType_IsAcceptedByTheServer(string signType)
    {
        var results = await Provider(signType).SendAsync([Sms(1, "13800138000"), Sms(2, "13900139000")], default);

        Assert.All(results, r => Assert.Equal(SendResultKind.Sent, r.Kind));
        var request = Assert.Single(_server.Requests);
        Assert.True(request.Accepted);
        Assert.Equal(signType, request.Form["sign_type"]);
        Assert.Equal("13800138000,13900139000", request.Form["to"]);
        Assert.Equal("7", request.Form["tag"]);
    }

    [Fact]
    public async Task WrongAppKey_IsRejectedBySignature_AndIsPermanent()
    {
        var results = await Provider(appKey: "not-the-key").SendAsync([Sms(1, "13800138000"), Sms(2, "13900139000")], default);

        Assert.All(results, r => Assert.Equal(SendResultKind.PermanentFailure, r.Kind));
        Assert.Contains("108", results[0].Error);
        Assert.False(Assert.Single(_server.Requests).Accepted);
    }

    [Theory]
    [InlineData(true, false)]   // tag signed although SUBMAIL leaves it out
    [InlineData(false, true)]   // parameters not sorted
    public async Task FakeServer_RejectsSignaturesNotMadeAsDocumented(bool signTag, bool unsorted)
    {
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
        var fields = new List<KeyValuePair<string, string>>
        {
            new("appid", FakeSubmailServer.AppId), new("to", "13800138000"), new("content", "【X】hi"),
            new("timestamp", ts), new("sign_type", "md5"), new("tag", "7"),
        };
        var signed = fields.Where(f => signTag || f.Key != "tag");
        if (!unsorted) signed = signed.OrderBy(f => f.Key, StringComparer.Ordinal);
        var text = FakeSubmailServer.AppId + FakeSubmailServer.AppKey + string.Join('&', signed.Select(f => f.Key + "=" + f.Value))
            + FakeSubmailServer.AppId + FakeSubmailServer.AppKey;
        var signature = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
        using var http = new HttpClient();

        var answer = await http.PostAsync(new Uri(_server.BaseUrl, "sms/batchsend"), new FormUrlEncodedContent([.. fields, new("signature", signature)]));

        using var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.Equal("error", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("108", json.RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task StaleTimestamp_IsRejectedByTheServer_AndIsPermanent()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-10));
        var results = await Provider(clock: clock).SendAsync([Sms(1, "13800138000")], default);

        var r = Assert.Single(results);
        Assert.Equal(SendResultKind.PermanentFailure, r.Kind);
        Assert.Contains("152", r.Error);
    }

    [Fact]
    public async Task Messages_AreGroupedByContent_OneRequestPerText()
    {
        var results = await Provider().SendAsync(
        [
            Sms(1, "13800000001", "Hello A"), Sms(2, "13800000002", "Hello B"), Sms(3, "13800000003", "Hello A"),
            Sms(4, "13800000004", "Hello B"), Sms(5, "13800000005", "Hello C"),
        ], default);

        Assert.All(results, r => Assert.Equal(SendResultKind.Sent, r.Kind));
        Assert.Equal([1L, 2, 3, 4, 5], results.Select(r => r.MessageId));
        var byContent = _server.Requests.ToDictionary(r => r.Form["content"], r => r.Form["to"]);
        Assert.Equal(3, byContent.Count);
        Assert.Equal("13800000001,13800000003", byContent["【CommsConsole】Hello A"]);
        Assert.Equal("13800000002,13800000004", byContent["【CommsConsole】Hello B"]);
        Assert.Equal("13800000005", byContent["【CommsConsole】Hello C"]);
    }

    [Fact]
    public async Task SameTextOfTwoBatches_GoesAsTwoRequests_EachTaggedWithItsBatch()
    {
        await Provider().SendAsync([Sms(1, "13800000001", batch: 11), Sms(2, "13800000002", batch: 12)], default);

        Assert.Equal(["11", "12"], _server.Requests.Select(r => r.Form["tag"]).Order());
    }

    [Fact]
    public async Task TenThousandAndOneNumbers_GoAsTwoRequestsOfTenThousandAndOne()
    {
        var messages = Enumerable.Range(0, 10_001).Select(i => Sms(i + 1, (13000000000L + i).ToString())).ToList();

        var results = await Provider().SendAsync(messages, default);

        Assert.Equal([10_000, 1], _server.Requests.Select(r => r.To.Length).OrderDescending());
        Assert.All(_server.Requests, r => Assert.True(r.Accepted));
        Assert.Equal(10_001, results.Count(r => r.Kind == SendResultKind.Sent));
        Assert.Equal(10_001, results.Select(r => r.ThirdPartyId).Distinct().Count());
    }

    [Fact]
    public async Task PerNumberResults_AreMatchedToTheirMessages_WithFeeTimesUnitPriceAsCost()
    {
        _server.Fee = 2;
        _server.FailNumbers["13900139000"] = ("114", "This phone number has been blocked by account blocklist");
        _server.FailNumbers["13700137000"] = ("115", "This phone number request frequency limit");

        var results = await Provider(unitPrice: 0.04m).SendAsync(
            [Sms(1, "13800138000"), Sms(2, "13900139000"), Sms(3, "13700137000"), Sms(4, "13600136000")], default);

        Assert.Equal(SendResultKind.Sent, results[0].Kind);
        Assert.Equal(0.08m, results[0].Cost);
        Assert.StartsWith("sid", results[0].ThirdPartyId);
        using (var json = JsonDocument.Parse(results[0].Response!))
        {
            Assert.Equal("13800138000", json.RootElement.GetProperty("to").GetString());
            Assert.Equal(results[0].ThirdPartyId, json.RootElement.GetProperty("send_id").GetString());
        }
        Assert.Equal(SendResultKind.PermanentFailure, results[1].Kind);
        Assert.Contains("114", results[1].Error);
        Assert.Contains("13900139000", results[1].Response);
        Assert.Equal(0m, results[1].Cost);
        Assert.Equal(SendResultKind.TransientFailure, results[2].Kind);
        Assert.Contains("115", results[2].Error);
        Assert.Equal(SendResultKind.Sent, results[3].Kind);
        Assert.Contains("13600136000", results[3].Response);
    }

    [Fact]
    public async Task NumberWithAComma_IsRefused_WithoutShiftingTheOthers()
    {
        var results = await Provider().SendAsync([Sms(1, "13800138000,13900139000"), Sms(2, "13700137000")], default);

        Assert.Equal([SendResultKind.PermanentFailure, SendResultKind.Sent], results.Select(r => r.Kind));
        Assert.Equal("13700137000", Assert.Single(_server.Requests).Form["to"]);
    }

    [Fact]
    public async Task SameNumberTwice_TakesItsAnswersInOrder()
    {
        var results = await Provider().SendAsync([Sms(1, "13800138000"), Sms(2, "13800138000")], default);

        Assert.Equal(["sid000001", "sid000002"], results.Select(r => r.ThirdPartyId));
    }

    [Fact]
    public async Task WholeRequestError_WithAPermanentCode_FailsEveryMessagePermanently()
    {
        _server.RequestError = ("420", "The SMS template was rejected");
        var results = await Provider().SendAsync([Sms(1, "13800138000"), Sms(2, "13900139000")], default);

        Assert.All(results, r => Assert.Equal(SendResultKind.PermanentFailure, r.Kind));
        Assert.All(results, r => Assert.Contains("420", r.Error));
        Assert.All(results, r => Assert.Contains("\"status\":\"error\"", r.Response));
    }

    [Fact]
    public async Task WholeRequestError_WithAnUnknownCode_IsTransient()
    {
        _server.RequestError = ("999", "Service busy");
        var results = await Provider().SendAsync([Sms(1, "13800138000")], default);

        Assert.Equal(SendResultKind.TransientFailure, Assert.Single(results).Kind);
    }

    [Fact]
    public async Task ServerError5xx_IsTransient()
    {
        _server.HttpStatus = 502;
        var results = await Provider().SendAsync([Sms(1, "13800138000"), Sms(2, "13900139000")], default);

        Assert.All(results, r => Assert.Equal(SendResultKind.TransientFailure, r.Kind));
        Assert.Contains("502", results[0].Error);
    }

    [Fact]
    public async Task AnswerSlowerThanTheHttpClientTimeout_IsTransient_AndNotRetriedByTheAdapter()
    {
        _server.Delay = TimeSpan.FromSeconds(5);
        var results = await Provider(timeout: TimeSpan.FromMilliseconds(500)).SendAsync([Sms(1, "13800138000")], default);

        Assert.Equal(SendResultKind.TransientFailure, Assert.Single(results).Kind);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task CallerCancellation_IsNotSwallowed()
    {
        _server.Delay = TimeSpan.FromSeconds(5);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Provider().SendAsync([Sms(1, "13800138000")], cts.Token));
    }

    [Fact]
    public async Task NothingListening_IsTransient()
    {
        var port = SmtpPeer.FreePort();
        var http = new HttpClient();
        _clients.Add(http);
        var provider = new SubmailProvider(http, new SubmailOptions { AppId = "1", AppKey = "k", BaseUrl = $"http://127.0.0.1:{port}", Signature = "【X】" }, TimeProvider.System);

        var results = await provider.SendAsync([Sms(1, "13800138000")], default);

        Assert.Equal(SendResultKind.TransientFailure, Assert.Single(results).Kind);
    }

    [Fact]
    public async Task Signature_IsPrependedWhenMissing_AndNotDoubledWhenPresent()
    {
        await Provider().SendAsync([Sms(1, "13800000001", "No signature here"), Sms(2, "13800000002", "【Other】Already signed")], default);

        var contents = _server.Requests.Select(r => r.Form["content"]).Order().ToList();
        Assert.Equal(["【CommsConsole】No signature here", "【Other】Already signed"], contents);
    }

    [Fact]
    public async Task ContentOverAThousandCharacters_IsRefusedWithoutARequest()
    {
        var exactly = new string('字', 1000 - "【CommsConsole】".Length);
        var results = await Provider().SendAsync([Sms(1, "13800000001", exactly + "多"), Sms(2, "13800000002", exactly)], default);

        Assert.Equal(SendResultKind.PermanentFailure, results[0].Kind);
        Assert.Contains("1000", results[0].Error);
        Assert.Equal(SendResultKind.Sent, results[1].Kind);
        Assert.Equal("13800000002", Assert.Single(_server.Requests).Form["to"]);
    }
}
