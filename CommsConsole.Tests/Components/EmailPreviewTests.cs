using CommsConsole.Data;
using Bunit;
using CommsConsole.Components.Pages.Templates;
using CommsConsole.Components.Shared;
using CommsConsole.Features.Templates;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CommsConsole.Tests.Components;

/// <summary>The rendered email preview: a frame that runs nothing, at a desktop or phone width, used by compose and the template editor.</summary>
[Collection(AppCollection.Name)]
public sealed class EmailPreviewTests(SharedApp app) : ConsoleComponentContext(app)
{
    [Fact]
    public void HtmlEmail_IsShownInAFrameThatAllowsNothing_At600OrPhoneWidth_OrAsItsPlainText()
    {
        const string html = "<p>Hello <a href=\"https://example.com/news\">news</a></p><script>alert(1)</script>";
        var cut = Render<EmailPreview>(p => p.Add(x => x.Subject, "Spring news").Add(x => x.Content, html).Add(x => x.IsHtml, true).Add(x => x.Title, "Email to li"));

        var frame = cut.Find("iframe[data-testid=preview-frame]");
        // sandbox="" allows no scripts, no same-origin access, no forms, no popups and no navigation of the console.
        Assert.True(frame.HasAttribute("sandbox"));
        Assert.Equal("", frame.GetAttribute("sandbox"));
        Assert.DoesNotContain("allow-", frame.OuterHtml);
        Assert.Equal(html, frame.GetAttribute("srcdoc"));
        Assert.Equal("Email to li", frame.GetAttribute("title"));
        Assert.Contains("width: 600px", frame.GetAttribute("style"));
        Assert.Equal("Spring news", cut.Find("[data-testid=preview-subject]").TextContent);

        cut.Find("[data-testid=preview-phone]").Change(true);
        cut.WaitForAssertion(() => Assert.Contains("width: 375px", cut.Find("[data-testid=preview-frame]").GetAttribute("style")));

        cut.Find("[data-testid=preview-plain]").Change(true);
        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll("iframe"));
            Assert.Equal("Hello news (https://example.com/news)", cut.Find("[data-testid=preview-plain-text]").TextContent);
        });
    }

    [Fact]
    public void PlainTextEmail_IsShownAsText_NeverAsMarkup()
    {
        var cut = Render<EmailPreview>(p => p.Add(x => x.Content, "<b>not bold</b>").Add(x => x.IsHtml, false));

        Assert.Empty(cut.FindAll("iframe"));
        Assert.Equal("<b>not bold</b>", cut.Find("[data-testid=preview-text]").TextContent);
    }

    [Fact]
    public async Task TemplateEditor_PreviewsAMarkdownEmail_AsItWillGoOut_WithTheFooter()
    {
        var (_, userId, tenant) = await SignInAsync(Roles.Marketer);
        await App.SavePolicyAsync(tenant, p => p with { PostalAddress = "1 Example Road, Shanghai" });
        var caller = new Caller(userId, tenant, Roles.Marketer);
        var created = await App.WithAsync<TemplateService, Result<Template>>(t => t.CreateAsync(
            new TemplateInput("MD_NEWS", "News", Channel.Email, "News for {{ name }}", "# News\n\nHi **{{ name }}**", EmailBodyFormat.Markdown), caller, CancellationToken.None));
        Assert.True(created.IsOk, created.Error?.Message);

        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        await provider.InvokeAsync(() => dialogs.ShowAsync<TemplateEditor>("Edit template", new DialogParameters<TemplateEditor> { { x => x.Existing, created.Value } }));

        provider.WaitForAssertion(() =>
        {
            var doc = provider.Find("[data-testid=preview-frame]").GetAttribute("srcdoc")!;
            Assert.Matches("<h1[^>]*>News</h1>", doc);
            Assert.Contains("1 Example Road, Shanghai", doc);
            Assert.Contains("/u/preview\">Unsubscribe / 退订</a>", doc);
        });
        provider.Find("[data-testid=sample-name]").Input("<img src=x onerror=alert(1)>");
        provider.WaitForAssertion(() =>
        {
            var doc = provider.Find("[data-testid=preview-frame]").GetAttribute("srcdoc")!;
            Assert.Contains("<strong>&lt;img src=x onerror=alert(1)&gt;</strong>", doc);
            Assert.Equal("News for <img src=x onerror=alert(1)>", provider.Find("[data-testid=preview-subject]").TextContent);
        });

        // As transactional: no footer, no unsubscribe link.
        provider.Find("[data-testid=template-preview-marketing]").Change(false);
        provider.WaitForAssertion(() => Assert.DoesNotContain("Unsubscribe", provider.Find("[data-testid=preview-frame]").GetAttribute("srcdoc")));
    }

    [Fact]
    public async Task StartingFromAStarter_CreatesTheTenantsOwnTemplate_AndOpensItInTheEditor()
    {
        var (_, _, tenant) = await SignInAsync(Roles.Marketer);
        await App.SavePolicyAsync(tenant, p => p with { PostalAddress = "1 Example Road, Shanghai" });
        var dialogs = Render<MudDialogProvider>();
        var page = Render<CommsConsole.Components.Pages.Templates.Templates>();

        // Found and clicked in one turn of the renderer: the page re-renders when its templates have loaded, which replaces
        // the button's handler if it falls between the two (seen on PostgreSQL).
        await page.InvokeAsync(() => page.Find("[data-testid=start-from]").Click());
        dialogs.WaitForElement("[data-testid=starter-receipt-zh-CN]");
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=starter-receipt-zh-CN]").Click());

        dialogs.WaitForAssertion(() =>
        {
            Assert.Equal("RECEIPT_ZH", dialogs.Find("[data-testid=template-code-input]").GetAttribute("value"));
            var doc = dialogs.Find("[data-testid=preview-frame]").GetAttribute("srcdoc")!;
            Assert.Contains("<table", doc);
            Assert.Contains("感谢您的订购", doc);
        });
        using var db = App.Db();
        var stored = db.Templates.Single(t => t.TenantId == tenant && t.Code == "RECEIPT_ZH");
        Assert.Equal(EmailBodyFormat.Markdown, stored.Format);
    }
}
