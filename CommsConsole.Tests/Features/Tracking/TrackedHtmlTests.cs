using CommsConsole.Features.Tracking;

namespace CommsConsole.Tests.Features.Tracking;

/// <summary>Which links tracking rewrites, read by the same parser when the email goes out and when a link is followed.</summary>
public sealed class TrackedHtmlTests
{
    private const string Own = "https://console.example";

    [Fact]
    public void Links_AreTheAbsoluteHttpLinks_InOrder_LeavingMailtoAnchorsRelativeAndOwnLinksAlone()
    {
        const string html = """
            <p><a href=" https://a.example/1 ">one</a> <a href="mailto:x@example.com">mail</a> <a href="tel:+441">tel</a>
            <a href="#top">up</a> <a href="/relative">rel</a> <a href="javascript:alert(1)">js</a> <a>none</a>
            <A HREF="HTTP://B.example/2">two</A> <a href="https://console.example/u/abc">unsubscribe</a>
            <a href="https://console.example/r/abc">tracked</a> <table><tr><td><a href="https://c.example/3">three</a></td></tr></table></p>
            """;
        Assert.Equal(["https://a.example/1", "HTTP://B.example/2", "https://c.example/3"], TrackedHtml.Links(html, Own));
    }

    [Fact]
    public void Rewrite_ReplacesEachTrackableLinkByItsPosition_AndAddsThePixel_KeepingAFragmentAFragment()
    {
        const string html = """<p>Hi <b>there</b>, <a href="https://a.example/?x=1&amp;y=2">shop</a> or <a href="mailto:x@example.com">write</a>.</p><p><a href="http://b.example/">blog</a></p>""";
        var rewritten = TrackedHtml.Rewrite(html, Own, i => $"{Own}/r/T{i}", $"{Own}/o/P");
        Assert.DoesNotContain("<html", rewritten);
        Assert.Contains("""<a href="https://console.example/r/T0">shop</a>""", rewritten);
        Assert.Contains("""<a href="https://console.example/r/T1">blog</a>""", rewritten);
        Assert.Contains("""href="mailto:x@example.com""", rewritten);
        Assert.Contains("<img src=\"https://console.example/o/P\" width=\"1\" height=\"1\" alt=\"\"", rewritten);
        Assert.EndsWith(">", rewritten.TrimEnd());
        // What /r/ reads back from the stored content is what the positions were counted in.
        Assert.Equal(["https://a.example/?x=1&y=2", "http://b.example/"], TrackedHtml.Links(html, Own));
    }

    [Fact]
    public void Rewrite_OfAWholeDocument_PutsThePixelInItsBody()
    {
        const string html = """<!DOCTYPE html><html><head><style>p{color:red}</style></head><body><p><a href="https://a.example/">a</a></p></body></html>""";
        var rewritten = TrackedHtml.Rewrite(html, Own, i => $"{Own}/r/T{i}", $"{Own}/o/P");
        Assert.StartsWith("<!DOCTYPE html>", rewritten);
        Assert.Contains("<style>p{color:red}</style>", rewritten);
        Assert.Matches("""<img src="https://console.example/o/P"[^>]*></body>""", rewritten);
        Assert.Contains("/r/T0", rewritten);
    }

    [Fact]
    public void Markup_InALink_IsEscapedNotInjected()
    {
        const string html = """<a href="https://a.example/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">x</a>""";
        var rewritten = TrackedHtml.Rewrite(html, Own, i => $"{Own}/r/T{i}", $"{Own}/o/P");
        Assert.DoesNotContain("<script", rewritten);
        Assert.Single(TrackedHtml.Links(html, Own));
    }

    [Theory]
    [InlineData("https://shop.example/见面?q=价格", "https://shop.example/%E8%A7%81%E9%9D%A2?q=%E4%BB%B7%E6%A0%BC")]
    [InlineData("https://bücher.example/", "https://xn--bcher-kva.example/")]
    [InlineData("http://[::1]:8080/x", "http://[::1]:8080/x")]
    [InlineData("https://a.example/a b", "https://a.example/a%20b")]
    public void Location_IsAscii(string href, string expected) => Assert.Equal(expected, TrackedHtml.Location(href));

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("ftp://a.example/")]
    [InlineData("//evil.example/")]
    public void Location_RefusesWhatIsNotAnHttpLink(string href) => Assert.Null(TrackedHtml.Location(href));

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("python-requests/2.31", true)]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1)", true)]
    [InlineData("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0", true)]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36", false)]
    [InlineData("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", false)]
    public void UserAgents_OfScannersAreAutomated(string? userAgent, bool automated) =>
        Assert.Equal(automated, AutomatedHits.IsAutomatedAgent(userAgent, []));

    [Fact]
    public void UserAgent_IsTrimmedToItsLimit_WithoutControlCharacters_OrAHalfSurrogate()
    {
        var stored = AutomatedHits.Trim("a\u0000b\r\n" + new string('x', 253) + "😀");
        Assert.NotNull(stored);
        Assert.True(stored.Length <= CommsConsole.Data.MessageEvent.MaxUserAgent);
        Assert.DoesNotContain('\0', stored);
        Assert.False(char.IsHighSurrogate(stored[^1]));
    }
}
