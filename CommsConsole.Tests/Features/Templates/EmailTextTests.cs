namespace CommsConsole.Tests.Features.Templates;

/// <summary>The plain-text alternative, read from the HTML with a parser.</summary>
public sealed class EmailTextTests
{
    [Fact]
    public void Paragraphs_LineBreaks_Headings_AndEntities_ReadAsText()
    {
        var text = EmailText.FromHtml("<h1>Spring   sale</h1><p>Hello <strong>Li Lei</strong>,</p><p>Your code is 4438 &amp; expires soon.<br>Thanks</p>");
        Assert.Equal("Spring sale\n\nHello Li Lei,\n\nYour code is 4438 & expires soon.\nThanks", text);
    }

    [Fact]
    public void Links_KeepTheirAddress_UnlessTheTextIsTheAddress()
    {
        var text = EmailText.FromHtml("""
            <p><a href="https://example.com/news">Read the news</a>, see https://example.com or
            <a href="https://example.com/shop">https://example.com/shop</a>, write to <a href="mailto:help@example.com">help@example.com</a>
            or <a href="mailto:help@example.com">us</a>. <a href="#top">Top</a> <a href="https://example.com/x"><img src="x.png" alt="Logo"></a></p>
            """);
        Assert.Equal("Read the news (https://example.com/news), see https://example.com or https://example.com/shop, write to help@example.com or us (help@example.com). Top Logo (https://example.com/x)", text);
    }

    [Fact]
    public void Lists_BecomeBullets_NumberedAndNested()
    {
        var text = EmailText.FromHtml("<p>Before</p><ul><li>one</li><li>two<ul><li>two a</li></ul></li></ul><ol start=\"3\"><li>third</li><li>fourth</li></ol><p>After</p>");
        Assert.Equal("Before\n\n- one\n- two\n  - two a\n\n3. third\n4. fourth\n\nAfter", text);
    }

    [Fact]
    public void ScriptsStylesAndHead_AreLeftOut_TablesReadRowByRow()
    {
        var text = EmailText.FromHtml("""
            <html><head><title>T</title><style>p { color: red }</style></head><body>
            <script>alert(1)</script>
            <table><tr><th>Item</th><th>Price</th></tr><tr><td>Tea</td><td>12.50</td></tr></table>
            <p>您好，李雷</p></body></html>
            """);
        Assert.Equal("Item  Price\nTea  12.50\n\n您好，李雷", text);
    }

    [Fact]
    public void NotHtmlAtAll_OrEmpty_IsStillText()
    {
        Assert.Equal("a < b and c > d", EmailText.FromHtml("a < b and c > d"));
        Assert.Equal("", EmailText.FromHtml(""));
    }
}
