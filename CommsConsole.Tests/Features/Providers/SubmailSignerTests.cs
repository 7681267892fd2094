using System.Security.Cryptography;
using System.Text;
using CommsConsole.Features.Providers.Submail;
using Microsoft.Extensions.Time.Testing;

namespace CommsConsole.Tests.Features.Providers;

public sealed class SubmailSignerTests
{
    private static readonly KeyValuePair<string, string>[] Parameters =
    [
        new("to", "13800138000,13900139000"),
        new("content", "【CommsConsole】测试"),
        new("tag", "42"),
        new("appid", "10001"),
        new("timestamp", "1700000000"),
    ];

    // Written out by hand from the document: sorted names, tag and signature left out, wrapped in appid+appkey.
    private const string Wrapped = "10001key123appid=10001&content=【CommsConsole】测试&sign_type={0}&timestamp=1700000000&to=13800138000,13900139000" + "10001key123";

    private static KeyValuePair<string, string>[] With(string signType) => [.. Parameters, new("sign_type", signType)];

    [Fact]
    public void SigningString_SortsByName_LeavesOutTagAndSignature_AndWrapsInAppIdAndKey()
    {
        var text = SubmailSigner.SigningString([.. With("md5"), new("signature", "whatever")], "10001", "key123");
        Assert.Equal(string.Format(Wrapped, "md5"), text);
    }

    [Fact]
    public void Md5_MatchesAnIndependentDigestAndAKnownVector()
    {
        var signature = SubmailSigner.Sign(With("md5"), "10001", "key123", "md5");
        var independent = Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(string.Format(Wrapped, "md5")))).ToLowerInvariant();
        Assert.Equal(independent, signature);
        // printf '%s' '<the wrapped text>' | md5sum
        Assert.Equal("0f5944dc5a7073a7dd9e4ecb15faed35", signature);
    }

    [Fact]
    public void Sha1_MatchesAnIndependentDigestAndAKnownVector()
    {
        var signature = SubmailSigner.Sign(With("sha1"), "10001", "key123", "sha1");
        var independent = Convert.ToHexString(SHA1.HashData(Encoding.UTF8.GetBytes(string.Format(Wrapped, "sha1")))).ToLowerInvariant();
        Assert.Equal(independent, signature);
        // printf '%s' '<the wrapped text>' | sha1sum
        Assert.Equal("4f324e0f11b73b96cd26c5e8e3dcad4c24681c74", signature);
    }

    [Fact]
    public void Normal_SendsTheAppKeyItself()
    {
        Assert.Equal("key123", SubmailSigner.Sign(With("normal"), "10001", "key123", "normal"));
    }

    [Fact]
    public void BuildForm_AddsAppIdTimestampFromTheClock_SignType_AndTheSignature()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1700000000));
        var signer = new SubmailSigner(new SubmailOptions { AppId = "10001", AppKey = "key123", SignType = "md5" }, clock);
        var form = signer.BuildForm([new("to", "13800138000,13900139000"), new("content", "【CommsConsole】测试"), new("tag", "42")]);
        var map = form.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("10001", map["appid"]);
        Assert.Equal("1700000000", map["timestamp"]);
        Assert.Equal("md5", map["sign_type"]);
        Assert.Equal("42", map["tag"]);
        Assert.Equal("0f5944dc5a7073a7dd9e4ecb15faed35", map["signature"]);
    }

    [Fact]
    public void UnknownSignType_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new SubmailSigner(new SubmailOptions { SignType = "rsa" }, TimeProvider.System));
    }

    [Theory]
    [InlineData("101", true)]   // incorrect appid
    [InlineData("108", true)]   // invalid signature
    [InlineData("109", true)]   // invalid appkey
    [InlineData("114", true)]   // number on the block list
    [InlineData("115", false)]  // too many requests for this number: later may work
    [InlineData("152", true)]   // stale timestamp
    [InlineData("420", true)]   // template rejected in review
    [InlineData("500", false)]
    [InlineData("999", false)]
    [InlineData(null, false)]
    [InlineData("busy", false)]
    public void ErrorCodes_AreClassified(string? code, bool permanent)
    {
        Assert.Equal(permanent, SubmailErrors.IsPermanent(code));
    }
}
