using System.Net;
using CommsConsole.Features.Messaging;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace CommsConsole.Tests.Features.Providers;

/// <summary>A Markdown email as it reaches a real SMTP peer: HTML with inlined styles, and its plain-text alternative.</summary>
public sealed class EmailAlternativeSmtpTests
{
    [Fact]
    public async Task MarkdownMarketingEmail_ArrivesAsHtmlWithAPlainTextAlternative_KeepingLinksBulletsAndTheFooter()
    {
        await using var peer = await SmtpPeer.StartAsync();
        await using var app = await SmtpDispatchTests.StartAppAsync(peer);
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);

        var (status, body) = await client.PostAsync("/communication/bulk", new
        {
            channel = "email", purpose = "marketing", format = "markdown", subject = "Spring news",
            content = "# Spring news\n\nHi {{ name }},\n\n- first item\n- second item\n\n[Read the news](https://example.com/news)\n\n<script>alert(1)</script>",
            variables = new { name = "Li <Lei>" }, recipients = new[] { "li@example.com" },
        });
        Assert.Equal(HttpStatusCode.OK, status);
        var batchId = body.Long("batch_id");
        await app.WaitUntilAsync(async db => await db.Messages.AnyAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Sent), because: "the email was sent");

        var message = Assert.Single(peer.Received()).Message;
        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));

        var html = message.HtmlBody!;
        Assert.Matches("<h1[^>]*>Spring news</h1>", html);
        Assert.Contains("Hi Li &lt;Lei&gt;,", html);
        Assert.Matches("<div class=\"md-email\" style=\"[^\"]*font-family", html); // the Markdown style, inlined
        Assert.DoesNotContain("<script", html);
        Assert.Contains("1 Example Road", html);
        Assert.Matches("/u/[^\"]+\">Unsubscribe / 退订</a></p>\\s*</body>", html); // inside the body, after the footer

        var text = message.TextBody!;
        Assert.Contains("Spring news\n\nHi Li <Lei>,", text.Replace("\r\n", "\n"));
        Assert.Contains("- first item\n- second item", text.Replace("\r\n", "\n"));
        // Marketing email is tracked by default: the text version carries the same tracked link as the HTML.
        var tracked = System.Text.RegularExpressions.Regex.Match(text, @"Read the news \((http[^)\s]+/r/[A-Za-z0-9_-]+)\)");
        Assert.True(tracked.Success, text);
        Assert.Contains(tracked.Groups[1].Value, html);
        Assert.Contains("1 Example Road", text);
        Assert.Matches(@"Unsubscribe / 退订 \(http[^)]+/u/[^)]+\)", text);
        Assert.DoesNotContain("<", text.Replace("<script>alert(1)</script>", "", StringComparison.Ordinal).Replace("Li <Lei>", "", StringComparison.Ordinal));
    }
}
