using Bunit;
using MudBlazor;
using Microsoft.Extensions.DependencyInjection;
using CommsConsole.Components.Pages.Templates;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Components;

[Collection(AppCollection.Name)]
public sealed class TemplateEditorTests(SharedApp app) : ConsoleComponentContext(app)
{
    /// <summary>The editor is a dialog: it renders inside the dialog provider, opened as the page opens it.</summary>
    private async Task<IRenderedComponent<MudDialogProvider>> OpenEditorAsync()
    {
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        await provider.InvokeAsync(() => dialogs.ShowAsync<TemplateEditor>("New template"));
        provider.WaitForElement("[data-testid=template-body]");
        return provider;
    }

    [Fact]
    public async Task SmsLength_IsShownAsSent_TransactionalAndMarketingWithTheOptOutHint_LikeCompose()
    {
        await SignInAsync(Roles.Marketer);
        var cut = await OpenEditorAsync();

        // 68 characters fit one UCS-2 part; marketing appends " 回复TD退订" (75 characters, two parts), as compose counts it.
        cut.Find("[data-testid=template-body]").Input("【Shop】" + new string('惠', 62));

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("68 characters · UCS-2 · 1 segment(s) as transactional", cut.Find("[data-testid=template-measure]").TextContent);
            Assert.Contains("75 characters · UCS-2 · 2 segment(s) as marketing, with “回复TD退订” appended", cut.Find("[data-testid=template-measure-marketing]").TextContent);
        });
    }

    [Fact]
    public async Task SyntaxError_IsShownWithLineAndColumn_AsTheBodyIsTyped()
    {
        await SignInAsync(Roles.Marketer);
        var cut = await OpenEditorAsync();

        cut.Find("[data-testid=template-body]").Input("Dear {{ name }},\n{% if vip %}gold");

        cut.WaitForAssertion(() => Assert.Contains("Tag 'if' was never closed (line 2, column 1)", cut.Markup));
    }

    [Fact]
    public async Task Variables_AreDetected_AndThePreviewUsesSampleValues()
    {
        await SignInAsync(Roles.Marketer);
        var cut = await OpenEditorAsync();

        cut.Find("[data-testid=template-body]").Input("Dear {{ name }}, your order {{ order }} has shipped.");
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=sample-order]")));
        cut.Find("[data-testid=sample-name]").Input("Li Lei");

        cut.WaitForAssertion(() =>
            Assert.Equal("Dear Li Lei, your order  has shipped.", cut.Find("[data-testid=template-preview]").TextContent));
    }

    [Fact]
    public async Task Save_RightAfterTyping_SavesTheBodyAsShown_NotTheOneBeforeTheDebounce()
    {
        var (_, _, tenant) = await SignInAsync(Roles.Marketer);
        var cut = await OpenEditorAsync();
        var code = "FAST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        cut.Find("[data-testid=template-code-input]").Change(code);
        cut.Find("[data-testid=template-name-input]").Change("Fast typist");

        // Typed and saved at once, inside the field's 250 ms debounce.
        cut.Find("[data-testid=template-body]").Input("Typed just before Save");
        cut.Find("[data-testid=template-save]").Click();

        cut.WaitForAssertion(() =>
        {
            using var db = App.Db();
            Assert.Equal("Typed just before Save", db.Templates.Single(t => t.TenantId == tenant && t.Code == code).Body);
        });
    }
}
