using CommsConsole.Features.Messaging;

namespace CommsConsole.Tests.Features.Messaging;

public sealed class SmsTextTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(160, 1)]
    [InlineData(161, 2)]
    [InlineData(306, 2)]
    [InlineData(307, 3)]
    public void Gsm7_Bills160ThenPartsOf153(int length, int segments)
    {
        var m = SmsText.Measure(new string('a', length));
        Assert.Equal(SmsEncoding.Gsm7, m.Encoding);
        Assert.Equal((length, segments), (m.Length, m.Segments));
    }

    [Theory]
    [InlineData(70, 1)]
    [InlineData(71, 2)]
    [InlineData(134, 2)]
    [InlineData(135, 3)]
    public void Ucs2_Bills70ThenPartsOf67(int length, int segments)
    {
        var m = SmsText.Measure(new string('验', length));
        Assert.Equal(SmsEncoding.Ucs2, m.Encoding);
        Assert.Equal((length, segments), (m.Length, m.Segments));
    }

    [Fact]
    public void ExtensionCharacter_CountsTwo_AndCanPushOverABoundary()
    {
        Assert.Equal((160, 1), (SmsText.Measure(new string('a', 158) + "€").Length, SmsText.Measure(new string('a', 158) + "€").Segments));
        var over = SmsText.Measure(new string('a', 159) + "{");
        Assert.Equal((SmsEncoding.Gsm7, 161, 2), (over.Encoding, over.Length, over.Segments));
    }

    [Fact]
    public void OneChineseCharacter_MakesTheWholeTextUcs2()
    {
        var m = SmsText.Measure("Your code is 123456 验");
        Assert.Equal(SmsEncoding.Ucs2, m.Encoding);
        Assert.Equal(70, m.PerSegment);
    }

    [Fact]
    public void Emoji_CountsAsTwoUtf16Units()
    {
        var m = SmsText.Measure("😀");
        Assert.Equal((SmsEncoding.Ucs2, 2), (m.Encoding, m.Length));
        Assert.Equal(2, SmsText.Measure(new string('a', 69) + "😀").Segments);
    }

    [Fact]
    public void TypicalChineseVerificationText_IsOneSegment() =>
        Assert.Equal(1, SmsText.Measure("【CommsConsole】您的验证码是123456，5分钟内有效。").Segments);
}
