using CommsConsole.Data;
using System.Net;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Templates;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Templates;

/// <summary>The email body rule as sends, previews and templates use it, over real HTTP and the real database.</summary>
[Collection(AppCollection.Name)]
public sealed class EmailSendTests(SharedApp app)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private async Task<(HttpClient Client, string Tenant, Caller Caller)> MarketerAsync()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        return (client, tenant, new Caller(userId, tenant, Roles.Marketer));
    }

    [Fact]
    public async Task MarkdownEmail_IsStoredAsSanitisedHtml_WithAContactsMarkupAsText()
    {
        var (client, tenant, _) = await MarketerAsync();
        var (status, body) = await client.PostAsync("/communication/bulk", new
        {
            channel = "email", purpose = "transactional", format = "markdown", subject = "Hi {{ name }}",
            content = "# Welcome {{ name }}\n\nYour order **{{ order }}** has shipped.\n\n<script>alert(1)</script>",
            variables = new { name = "<img src=x onerror=alert(1)>", order = "A-1 *now*" }, recipients = new[] { "a@example.com" },
        });

        Assert.Equal(HttpStatusCode.OK, status);
        var content = body.GetProperty("items")[0].Str("content");
        Assert.Contains("<h1", content);
        Assert.Contains("Welcome &lt;img src=x onerror=alert(1)&gt;</h1>", content);
        Assert.Contains("<strong>A-1 *now*</strong>", content);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", content);
        Assert.DoesNotContain("<img", content);
        Assert.DoesNotContain("<script", content);
        using var db = app.Db();
        var row = await db.Messages.SingleAsync(m => m.TenantId == tenant);
        Assert.True(row.IsHtml);
        Assert.Equal(content, row.Content);
        Assert.Equal("Hi <img src=x onerror=alert(1)>", row.Subject); // a subject is text: the mail client shows it as such
    }

    [Fact]
    public async Task HtmlEmail_IsSanitisedAndItsCssInlined_AsSent()
    {
        var (client, _, _) = await MarketerAsync();
        var (status, body) = await client.PostAsync("/communication/bulk", new
        {
            channel = "email", purpose = "transactional", format = "html", subject = "Hi",
            content = "<style>.note { color: #ff0000 }</style><p class=\"note\" onmouseover=\"alert(1)\">Dear {{ name }}</p><a href=\"javascript:alert(1)\">x</a><iframe src=\"https://evil.example\"></iframe>",
            variables = new { name = "Li" }, recipients = new[] { "a@example.com" },
        });

        Assert.Equal(HttpStatusCode.OK, status);
        var content = body.GetProperty("items")[0].Str("content");
        Assert.Matches("<p class=\"note\" style=\"color: rgba\\(255, 0, 0, 1\\)\">Dear Li</p>", content);
        Assert.DoesNotContain("onmouseover", content);
        Assert.DoesNotContain("javascript", content);
        Assert.DoesNotContain("iframe", content);
    }

    [Theory]
    [InlineData("pdf", "email")]
    [InlineData("ｍａｒｋｄｏｗｎ", "email")] // full-width look-alike
    [InlineData("markdown\u200b", "email")] // zero-width space
    [InlineData("markdown", "sms")]
    [InlineData("", "email")]
    public async Task BadFormat_Is400_NamingTheField_AndWritesNothing(string format, string channel)
    {
        var (client, tenant, _) = await MarketerAsync();
        var (status, body) = await client.PostAsync("/communication/bulk", new
        {
            channel, purpose = "transactional", format, subject = "Hi", content = "Hello", recipients = new[] { channel == "sms" ? "13800138000" : "a@example.com" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("format: ", body.Str("message"));
        using var db = app.Db();
        Assert.False(await db.Messages.AnyAsync(m => m.TenantId == tenant));
    }

    [Fact]
    public async Task TemplateWithAFormat_IsSentInItsFormat_AndAnotherTenantCannotUseIt()
    {
        var (client, _, caller) = await MarketerAsync();
        var created = await app.WithAsync<TemplateService, Result<Template>>(t => t.CreateAsync(
            new TemplateInput("ORDER_SHIPPED", "Order shipped", Channel.Email, "Shipped", "Order **{{ order }}** is on its way", EmailBodyFormat.Markdown), caller, None));
        Assert.True(created.IsOk, created.Error?.Message);

        var (status, body) = await client.PostAsync("/communication/bulk", new
        {
            channel = "email", purpose = "transactional", template = "order_shipped", variables = new { order = "A-7" }, recipients = new[] { "a@example.com" },
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Order <strong>A-7</strong> is on its way", body.GetProperty("items")[0].Str("content"));

        var (other, _, _) = await MarketerAsync();
        var (otherStatus, _) = await other.PostAsync("/communication/bulk", new
        {
            channel = "email", purpose = "transactional", template = "ORDER_SHIPPED", variables = new { order = "A-7" }, recipients = new[] { "a@example.com" },
        });
        Assert.Equal(HttpStatusCode.NotFound, otherStatus);
    }

    [Fact]
    public async Task TemplateFormat_ForSms_OrUnknown_IsRefused()
    {
        var (_, _, caller) = await MarketerAsync();
        var sms = await app.WithAsync<TemplateService, Result<Template>>(t => t.CreateAsync(
            new TemplateInput("SMS_MD", "SMS", Channel.Sms, null, "Hi", EmailBodyFormat.Markdown), caller, None));
        Assert.StartsWith("format: ", sms.Error!.Message);
        var unknown = await app.WithAsync<TemplateService, Result<Template>>(t => t.CreateAsync(
            new TemplateInput("EMAIL_X", "Email", Channel.Email, "S", "Hi", (EmailBodyFormat)99), caller, None));
        Assert.StartsWith("format: ", unknown.Error!.Message);
    }

    [Theory]
    [InlineData(Purpose.Transactional)]
    [InlineData(Purpose.Marketing)]
    public async Task Preview_IsWhatTheSendStores_ByTheSameRule(Purpose purpose)
    {
        var (_, tenant, caller) = await MarketerAsync();
        await app.SavePolicyAsync(tenant, p => p with { PostalAddress = "1 Example Road, Shanghai" });
        var draft = new ComposeDraft
        {
            Channel = Channel.Email, Purpose = purpose, Subject = "News for {{ name }}", Format = EmailBodyFormat.Markdown,
            Content = "Hi {{ name }},\n\n| Item | Price |\n|---|--:|\n| Tea | 12 |\n\n[Shop](https://example.com/shop)",
            Variables = new Dictionary<string, string> { ["name"] = "<b>Li</b>" },
            Recipients = RecipientList.ParseText("li@example.com", Channel.Email),
        };

        var preview = await app.WithAsync<ComposeService, ComposePreview>(c => c.PreviewAsync(draft, caller, None));
        var sent = await app.WithAsync<ComposeService, Result<SendReceipt>>(c => c.SendAsync(draft, caller, None));

        Assert.True(sent.IsOk, sent.Error?.Message);
        var item = Assert.Single(preview.Items);
        Assert.True(item.IsHtml);
        using var db = app.Db();
        var row = await db.Messages.SingleAsync(m => m.TenantId == tenant);
        Assert.Equal(row.Subject, item.Subject);
        // Dispatch adds a marketing email's own unsubscribe link after the stored body; the preview shows one that unsubscribes no one.
        var expected = purpose == Purpose.Marketing ? ComplianceText.WithUnsubscribeLink(row.Content, UnsubscribePreviewUrl(item.Content), true) : row.Content;
        Assert.Equal(expected, item.Content);
        Assert.Contains("&lt;b&gt;Li&lt;/b&gt;", row.Content);
        if (purpose == Purpose.Marketing) Assert.Contains("1 Example Road, Shanghai", row.Content);
    }

    private static string UnsubscribePreviewUrl(string previewHtml)
    {
        var match = System.Text.RegularExpressions.Regex.Match(previewHtml, "<a href=\"([^\"]*/u/preview)\">");
        Assert.True(match.Success, "the preview shows an unsubscribe link");
        return System.Net.WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [Fact]
    public async Task TwentyRendersAtOnce_WithDifferentVariables_EachKeepItsOwnOutput()
    {
        var (client, tenant, _) = await MarketerAsync();
        var sends = Enumerable.Range(0, 20).Select(i => client.PostAsync("/communication/bulk", new
        {
            channel = "email", purpose = "transactional", format = i % 2 == 0 ? "markdown" : "html", subject = "S{{ n }}",
            content = i % 2 == 0 ? "<style>p { color: red }</style>\n\n**Hello {{ name }}** number {{ n }}" : "<style>p { color: red }</style><p><b>Hello {{ name }}</b> number {{ n }}</p>",
            variables = new { name = $"<i>user{i}</i>", n = i.ToString() }, recipients = new[] { $"user{i}@example.com" },
        })).ToList();

        var answers = await Task.WhenAll(sends);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        using var db = app.Db();
        var rows = await db.Messages.Where(m => m.TenantId == tenant).ToListAsync();
        Assert.Equal(20, rows.Count);
        foreach (var row in rows)
        {
            var i = int.Parse(row.Recipient["user".Length..row.Recipient.IndexOf('@')]);
            Assert.Equal($"S{i}", row.Subject);
            Assert.Contains($"Hello &lt;i&gt;user{i}&lt;/i&gt;</", row.Content);
            Assert.Contains($"number {i}", row.Content);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(row.Content, "Hello "));
        }
    }

    [Fact]
    public async Task OversizedStyleSheet_Is400_NamingTheContent()
    {
        var (client, tenant, _) = await MarketerAsync();
        // A short template whose loop writes a long style sheet.
        const string sheet = "<style>{% for i in (1..1000) %}.c{{ i }} { color: red; margin: 0 }\n{% endfor %}</style><p>x</p>";
        var (status, body) = await client.PostAsync("/communication/bulk", new
        {
            channel = "email", purpose = "transactional", format = "html", subject = "Hi", content = sheet, recipients = new[] { "a@example.com" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("content: its style sheets are", body.Str("message"));
        using var db = app.Db();
        Assert.False(await db.Messages.AnyAsync(m => m.TenantId == tenant));
    }
}
