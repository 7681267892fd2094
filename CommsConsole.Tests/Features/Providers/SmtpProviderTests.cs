using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers;
using CommsConsole.Features.Providers.Smtp;
using MimeKit;

namespace CommsConsole.Tests.Features.Providers;

public sealed class SmtpProviderTests : IAsyncLifetime
{
    private SmtpPeer _peer = null!;

    public async Task InitializeAsync() => _peer = await SmtpPeer.StartAsync();

    public async Task DisposeAsync() => await _peer.DisposeAsync();

    private SmtpProvider Provider(int? port = null) => new(new SmtpOptions
    {
        Host = "127.0.0.1", Port = port ?? _peer.Port, Security = "None",
        FromAddress = "noreply@comms.example", FromName = "Comms Console", UnitPrice = 0.001m, TimeoutSeconds = 10,
    });

    private static OutboundMessage Email(long id, string to, string subject, string content, bool isHtml = false) =>
        new(id, 3, "t1", Channel.Email, to, subject, content, 1) { IsHtml = isHtml };

    [Fact]
    public async Task Message_ArrivesWithSubjectBodyFromToAndMessageId_InChineseToo()
    {
        var results = await Provider().SendAsync(
            [Email(41, "zhang.san@example.com", "您的订单已发货", "张三您好：\n您的订单 #1234 已发货，预计明天送达。")], default);

        var r = Assert.Single(results);
        Assert.Equal(SendResultKind.Sent, r.Kind);
        Assert.Equal(0.001m, r.Cost);
        Assert.Matches(@"^<41\.[0-9a-f]{16}@comms\.example>$", r.ThirdPartyId);

        var (message, mailFrom, rcptTo) = Assert.Single(_peer.Received());
        Assert.Equal("您的订单已发货", message.Subject);
        Assert.Equal("张三您好：\n您的订单 #1234 已发货，预计明天送达。", message.TextBody!.ReplaceLineEndings("\n").TrimEnd('\n'));
        Assert.Null(message.HtmlBody);
        var from = Assert.IsType<MailboxAddress>(Assert.Single(message.From));
        Assert.Equal("noreply@comms.example", from.Address);
        Assert.Equal("Comms Console", from.Name);
        Assert.Equal("zhang.san@example.com", Assert.IsType<MailboxAddress>(Assert.Single(message.To)).Address);
        Assert.Equal(r.ThirdPartyId, "<" + message.MessageId + ">");
        Assert.Equal("noreply@comms.example", mailFrom);
        Assert.Equal(["zhang.san@example.com"], rcptTo);
    }

    [Fact]
    public async Task HtmlContent_GoesAsHtmlWithAPlainTextAlternative()
    {
        var html = "<p>Hello <strong>Li Lei</strong>,</p><p>Your code is 4438 &amp; expires soon.<br>Thanks</p>";
        var results = await Provider().SendAsync([Email(7, "li.lei@example.com", "Code", html, isHtml: true)], default);

        Assert.Equal(SendResultKind.Sent, Assert.Single(results).Kind);
        var (message, _, _) = Assert.Single(_peer.Received());
        Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(html, message.HtmlBody!.TrimEnd('\r', '\n'));
        var text = message.TextBody!;
        Assert.Contains("Hello Li Lei,", text);
        Assert.Contains("Your code is 4438 & expires soon.", text);
        Assert.DoesNotContain("<", text);
    }

    [Fact]
    public async Task RefusedRecipient_FailsOnlyThatMessage_Permanently_AndTheChunkContinues()
    {
        var results = await Provider().SendAsync(
        [
            Email(1, "a@example.com", "s", "first"),
            Email(2, SmtpPeer.RefusedRecipient, "s", "refused"),
            Email(3, "b@example.com", "s", "third"),
        ], default);

        Assert.Equal([SendResultKind.Sent, SendResultKind.PermanentFailure, SendResultKind.Sent], results.Select(r => r.Kind));
        Assert.Equal([1L, 2, 3], results.Select(r => r.MessageId));
        Assert.Contains("550", results[1].Error);
        Assert.Contains(SmtpPeer.RefusedRecipient, results[1].Error);
        Assert.Equal(["a@example.com", "b@example.com"], _peer.Received().SelectMany(x => x.RcptTo).Order());
    }

    [Fact]
    public async Task DeferredRecipient_4xx_IsTransient_AndTheChunkContinues()
    {
        var results = await Provider().SendAsync(
            [Email(1, SmtpPeer.DeferredRecipient, "s", "later"), Email(2, "c@example.com", "s", "now")], default);

        Assert.Equal([SendResultKind.TransientFailure, SendResultKind.Sent], results.Select(r => r.Kind));
        Assert.Contains("451", results[0].Error);
        Assert.Equal(["c@example.com"], _peer.Received().SelectMany(x => x.RcptTo));
    }

    [Fact]
    public void BadCredentials_ArePermanent()
    {
        var (kind, _) = SmtpProvider.Classify(new MailKit.Security.AuthenticationException("535 5.7.8 bad credentials"), "connecting");
        Assert.Equal(SendResultKind.PermanentFailure, kind);
    }

    [Fact]
    public async Task InvalidAddress_IsPermanent_WithoutStoppingTheOthers()
    {
        var results = await Provider().SendAsync([Email(1, "not an address", "s", "x"), Email(2, "ok@example.com", "s", "y")], default);

        Assert.Equal([SendResultKind.PermanentFailure, SendResultKind.Sent], results.Select(r => r.Kind));
    }

    [Fact]
    public async Task NothingListening_IsTransientForAll()
    {
        var results = await Provider(SmtpPeer.FreePort()).SendAsync(
            [Email(1, "a@example.com", "s", "x"), Email(2, "b@example.com", "s", "y")], default);

        Assert.All(results, r => Assert.Equal(SendResultKind.TransientFailure, r.Kind));
        Assert.Equal([1L, 2], results.Select(r => r.MessageId));
    }

    [Theory]
    [InlineData("<p>hi</p>", true)]
    [InlineData("Hello<br/>there", true)]
    [InlineData("<html><body>x</body></html>", true)]
    [InlineData("a < b and c > d", false)]
    [InlineData("plain text", false)]
    public void HtmlTemplateIsRecognised(string source, bool html) => Assert.Equal(html, EmailFormat.IsHtml(Channel.Email, source));

    [Fact]
    public async Task ContentThatLooksLikeHtml_GoesAsPlainText_UnlessTheMessageIsHtml()
    {
        const string content = "<p><a href=\"http://evil.example\">x</a></p>";
        await Provider().SendAsync([Email(8, "a@example.com", "s", content)], default);

        var (message, _, _) = Assert.Single(_peer.Received());
        Assert.Null(message.HtmlBody);
        Assert.Equal(content, message.TextBody!.TrimEnd('\r', '\n'));
    }
}
