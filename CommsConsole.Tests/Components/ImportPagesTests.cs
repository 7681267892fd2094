using Bunit;
using CommsConsole.Components.Pages.Audiences;
using CommsConsole.Data;
using CommsConsole.Features.Audiences.Import;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Components;

/// <summary>The import's mapping step and the page that uploads, starts and reports an import.</summary>
[Collection(AppCollection.Name)]
public sealed class ImportPagesTests(SharedApp app) : ConsoleComponentContext(app)
{
    [Fact]
    public void MappingStep_GuessesColumnsFromTheHeader_AndStartsWithThatMapping()
    {
        ContactImportMapping? started = null;
        var cut = Render<ImportMapping>(p => p
            .Add(c => c.Columns, ["手机号", "E-mail", "Name", "City Name", "<b>Plan</b>"])
            .Add(c => c.OnStart, m => started = m));

        Assert.Equal(["手机号", "E-mail", "Name", "City Name", "<b>Plan</b>"], cut.FindAll("[data-testid=import-column-name]").Select(e => e.TextContent));
        // A header is text, never markup.
        Assert.Empty(cut.FindAll("[data-testid=import-mapping] b"));
        Assert.Empty(cut.FindAll("[data-testid=import-need-address]"));
        cut.Find("[data-testid=import-tags]").Change("vip, 2026 Fair");
        cut.Find("[data-testid=import-start]").Click();

        Assert.NotNull(started);
        Assert.Equal(("手机号", "E-mail", "Name", "unchanged"), (started.Phone, started.Email, started.Name, started.Consent));
        Assert.Equal(new Dictionary<string, string> { ["City Name"] = "city_name", ["<b>Plan</b>"] = "<b>plan</b>" }, started.Attributes);
        Assert.Equal(["vip", "2026 Fair"], started.Tags);
    }

    [Fact]
    public void MappingStep_WithoutAnAddressColumn_CannotStart()
    {
        var starts = 0;
        var cut = Render<ImportMapping>(p => p.Add(c => c.Columns, ["Company", "City"]).Add(c => c.OnStart, _ => starts++));

        Assert.Single(cut.FindAll("[data-testid=import-need-address]"));
        Assert.True(cut.Find("[data-testid=import-start]").HasAttribute("disabled"));
        Assert.Equal(0, starts);
    }

    [Fact]
    public async Task ImportPage_UploadsMapsAndReports_TheBadRowsByLine()
    {
        var (_, _, tenant) = await SignInAsync(Roles.Marketer);
        var cut = Render<ImportContacts>();

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("Mobile,Name\n13800139701,Ann\n12345,Bad\n13800139703,Cat\n", "people.csv"));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=import-column]").Count), TimeSpan.FromSeconds(10));
        cut.Find("[data-testid=import-start]").Click();

        cut.WaitForAssertion(() => Assert.Equal("2", cut.Find("[data-testid=import-imported]").TextContent), TimeSpan.FromSeconds(30));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=import-error-row]")), TimeSpan.FromSeconds(30));
        Assert.StartsWith("3", cut.Find("[data-testid=import-error-row]").TextContent);
        Assert.Equal("1", cut.Find("[data-testid=import-skipped]").TextContent);
        using var db = App.Db();
        Assert.Equal(2, await db.Contacts.CountAsync(c => c.TenantId == tenant && c.Source == ContactSource.Import));
    }

    [Fact]
    public async Task ImportReport_InChinese_GivesEachBadRowsReasonInChinese_WhileTheApiKeepsItsEnglish()
    {
        using var _ = Culture("zh-CN");
        var (api, _, tenant) = await SignInAsync(Roles.Marketer);
        var cut = Render<ImportContacts>();

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(
            "Mobile,Name\n13800139711,Ann\n12345,Bad\n13800139711,Again\n13800139714,=cmd()\n", "people.csv"));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=import-column]").Count), TimeSpan.FromSeconds(10));
        cut.Find("[data-testid=import-start]").Click();

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=import-error-row]").Count), TimeSpan.FromSeconds(30));
        var rows = cut.FindAll("[data-testid=import-error-row]").Select(r => r.TextContent).ToList();
        Assert.Contains("“12345”不是有效的手机号码", rows[0]);
        Assert.Contains("与第 2 行的手机号相同", rows[1]);
        Assert.Contains("看起来像电子表格公式", rows[2]);

        using var db = App.Db();
        var import = await db.ContactImports.AsNoTracking().SingleAsync(i => i.TenantId == tenant);
        var (status, report) = await api.GetJsonAsync($"/communication/contacts/import/{import.Id}");
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Contains("phone: the same phone number as line 2", report.GetRawText());
    }
}
