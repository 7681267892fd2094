using CommsConsole.Features.Providers;

namespace CommsConsole.Tests.Features.Providers;

public sealed class SendResultTests
{
    [Fact]
    public void Bounded_CutsEveryTextAProviderAnswered_WithoutSplittingACharacter()
    {
        var huge = new string('x', SendResult.MaxResponseLength - 2) + "😀" + new string('y', 100_000);
        var r = new SendResult(1, SendResultKind.PermanentFailure, ThirdPartyId: huge, ThirdPartyStatus: huge, Response: huge, Error: huge).Bounded();
        Assert.True(r.Response!.Length <= SendResult.MaxResponseLength);
        Assert.True(r.Error!.Length <= SendResult.MaxResponseLength);
        Assert.True(r.ThirdPartyId!.Length <= SendResult.MaxThirdPartyLength);
        Assert.True(r.ThirdPartyStatus!.Length <= SendResult.MaxThirdPartyLength);
        Assert.False(char.IsHighSurrogate(r.Response[^2]), "a surrogate pair was split");
        Assert.Equal("short", (new SendResult(1, SendResultKind.Sent, Response: "short")).Bounded().Response);
    }
}
