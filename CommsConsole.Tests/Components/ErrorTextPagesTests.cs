using System.Globalization;
using Bunit;
using CommsConsole.Components.Pages.Admin;
using CommsConsole.Components.Pages.Compliance;
using CommsConsole.Components.Pages.Templates;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CommsConsole.Tests.Components;

/// <summary>A refused input shows the service's error in the user's language, the field by its label, the values as typed.</summary>
[Collection(AppCollection.Name)]
public sealed class ErrorTextPagesTests(SharedApp app) : ConsoleComponentContext(app)
{
    private List<string> Snackbars() => Services.GetRequiredService<ISnackbar>().ShownSnackbars.Select(s => s.Message ?? "").ToList();

    [Theory]
    [InlineData("zh-CN", "名称：必填，最多 200 个字符")]
    [InlineData("en", "Name: required, at most 200 characters")]
    public async Task TemplateEditor_ANameTooLong_IsRefusedInTheUsersLanguage(string culture, string expected)
    {
        using var _ = Culture(culture);
        await SignInAsync(Roles.Marketer);
        var cut = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        await cut.InvokeAsync(() => dialogs.ShowAsync<TemplateEditor>("New template"));
        cut.WaitForElement("[data-testid=template-body]");

        await cut.InvokeAsync(() => cut.Find("[data-testid=template-code-input]").Change("LONG_NAME"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=template-name-input]").Change(new string('n', 201)));
        cut.Find("[data-testid=template-body]").Input("Hello {{ name }}");
        await cut.InvokeAsync(() => cut.Find("[data-testid=template-save]").Click());

        cut.WaitForAssertion(() => Assert.Equal(expected, cut.Find("[data-testid=template-error]").TextContent.Trim()));
    }

    [Theory]
    [InlineData("zh-CN", "名称：必填，最多 200 个字符")]
    [InlineData("en", "Name: required, at most 200 characters")]
    public async Task Tenants_ANameTooLong_IsRefusedInTheUsersLanguage(string culture, string expected)
    {
        using var _ = Culture(culture);
        await SignInAsync(Roles.SystemAdmin);
        var cut = Render<Tenants>();

        await cut.InvokeAsync(() => cut.Find("[data-testid=tenant-name]").Change(new string('t', 201)));
        await cut.InvokeAsync(() => cut.Find("[data-testid=create-tenant]").Click());

        cut.WaitForAssertion(() => Assert.Contains(expected, Snackbars()));
    }

    [Theory]
    [InlineData("zh-CN", "免打扰开始（HH:mm）：“25:99”不是有效的时刻（HH:mm）")]
    [InlineData("en", "Quiet hours from (HH:mm): '25:99' is not a time of day (HH:mm)")]
    public async Task ComplianceSettings_AQuietHourOf2599_IsRefusedInTheUsersLanguage(string culture, string expected)
    {
        using var _ = Culture(culture);
        await SignInAsync(Roles.Admin);
        var cut = Render<ComplianceSettings>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=policy-quiet-start]")));
        await cut.InvokeAsync(() => cut.Find("[data-testid=policy-quiet-start]").Change("25:99"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=policy-save]").Click());

        cut.WaitForAssertion(() => Assert.Contains(expected, Snackbars()));
    }

    [Fact]
    public async Task Tenants_ANameOfMarkupAndPlaceholders_IsShownAsTyped_NotRunOrFormatted()
    {
        using var _ = Culture("zh-CN");
        await SignInAsync(Roles.SystemAdmin);
        var snackbars = Render<MudSnackbarProvider>();
        var cut = Render<Tenants>();
        var hostile = $"<script>alert('{Guid.NewGuid():N}')</script><b>{{0}}</b>{{1:0.00}}";

        // The second tenant of the same name is refused, and the refusal quotes the name.
        await cut.InvokeAsync(() => cut.Find("[data-testid=tenant-name]").Change(hostile));
        await cut.InvokeAsync(() => cut.Find("[data-testid=create-tenant]").Click());
        cut.WaitForAssertion(() => Assert.Single(Snackbars()));
        await cut.InvokeAsync(() => cut.Find("[data-testid=tenant-name]").Change(hostile));
        await cut.InvokeAsync(() => cut.Find("[data-testid=create-tenant]").Click());

        var expected = $"名称：名为“{hostile}”的租户已存在";
        cut.WaitForAssertion(() => Assert.Contains(expected, Snackbars()));
        snackbars.WaitForAssertion(() => Assert.Contains(snackbars.FindAll(".mud-snackbar"), s => s.TextContent.Contains(expected, StringComparison.Ordinal)));
        Assert.Empty(snackbars.FindAll(".mud-snackbar script"));
        Assert.Empty(snackbars.FindAll(".mud-snackbar b"));
    }
}
