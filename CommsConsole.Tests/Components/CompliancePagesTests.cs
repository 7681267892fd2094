using Bunit;
using CommsConsole.Components.Pages.Compliance;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Components;

[Collection(AppCollection.Name)]
public sealed class CompliancePagesTests(SharedApp app) : ConsoleComponentContext(app)
{
    /// <summary>The messages the page showed in snackbars (the provider lives in the layout, outside the page's markup).</summary>
    private List<string> Snackbars() => Services.GetRequiredService<MudBlazor.ISnackbar>().ShownSnackbars.Select(s => s.Message ?? "").ToList();

    [Fact]
    public async Task OptOutsPage_AddsAnAddress_ListsIt_AndNamesABadOne()
    {
        var (_, userId, tenant) = await SignInAsync(Roles.Admin);
        var cut = Render<OptOuts>();

        cut.Find("[data-testid=optout-address]").Change("not a phone");
        cut.Find("[data-testid=optout-add]").Click();
        cut.WaitForAssertion(() => Assert.Contains(Snackbars(), m => m.Contains("is not a valid phone number")));

        cut.Find("[data-testid=optout-address]").Change("+86 139 0013 9501");
        cut.Find("[data-testid=optout-add]").Click();
        cut.WaitForAssertion(() => Assert.Equal("13900139501", cut.Find("[data-testid=optout-row-address]").TextContent));
        await App.WaitUntilAsync(async db => await db.Suppressions.AnyAsync(s => s.TenantId == tenant && s.Address == "13900139501" && s.CreatedBy == userId && s.Channel == Channel.Sms));
        // "By" names the person, not their id.
        string email;
        using (var db = App.Db()) email = (await db.Users.SingleAsync(u => u.Id == userId)).Email!;
        cut.WaitForAssertion(() => Assert.Equal(email, cut.Find("[data-testid=optout-by]").TextContent));
    }

    [Fact]
    public async Task ComplianceSettingsPage_SavesThePostalAddressAndWords_AndNamesABadTimeZone()
    {
        var (_, _, tenant) = await SignInAsync(Roles.Admin);
        var cut = Render<ComplianceSettings>();

        cut.WaitForAssertion(() => Assert.Equal("回复TD退订", cut.Find("[data-testid=policy-hint]").GetAttribute("value")));
        cut.Find("[data-testid=policy-postal]").Change("1 Example Road");
        cut.Find("[data-testid=policy-words]").Change("赌博\nCasino");
        cut.Find("[data-testid=policy-zone]").Change("Nowhere/Else");
        cut.Find("[data-testid=policy-save]").Click();
        cut.WaitForAssertion(() => Assert.Contains(Snackbars(), m => m.StartsWith("Time zone: 'Nowhere/Else' is not a known time zone")));

        cut.Find("[data-testid=policy-zone]").Change("Europe/Berlin");
        cut.Find("[data-testid=policy-save]").Click();
        await App.WaitUntilAsync(async db => await db.TenantPolicies.AnyAsync(p => p.TenantId == tenant && p.PostalAddress == "1 Example Road" && p.TimeZoneId == "Europe/Berlin"));
        using var check = App.Db();
        Assert.Equal(["Casino", "赌博"], (await check.SensitiveWords.Where(w => w.TenantId == tenant).Select(w => w.Word).ToListAsync()).Order());
    }
}
