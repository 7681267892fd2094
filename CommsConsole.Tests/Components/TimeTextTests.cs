using System.Text.RegularExpressions;
using Bunit;
using CommsConsole.Components.Pages.Batches;
using CommsConsole.Components.Pages.Compose;
using CommsConsole.Components.Shared;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CommsConsole.Tests.Components;

/// <summary>Every time the console shows is on the tenant's clock and says so; UTC is on hover.</summary>
[Collection(AppCollection.Name)]
public sealed partial class TimeTextTests(SharedApp app) : ConsoleComponentContext(app)
{
    [Fact]
    public void Format_LabelsTheOffset_AndKeepsUtcPlain()
    {
        var at = new DateTimeOffset(2026, 12, 2, 7, 16, 0, TimeSpan.Zero);
        Assert.Equal("2026-12-02 15:16 UTC+08:00", TenantClock.Format(at, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")));
        Assert.Equal("2026-12-02 02:16:00 UTC-05:00", TenantClock.Format(at, TimeZoneInfo.FindSystemTimeZoneById("America/New_York"), seconds: true));
        Assert.Equal("2026-12-02 07:16 UTC", TenantClock.Format(at, TimeZoneInfo.Utc));
        Assert.Equal("2026-12-02 07:16:00 UTC", TenantClock.FormatUtc(at.ToOffset(TimeSpan.FromHours(8))));
    }

    [Fact]
    public async Task ScheduledSend_TheConfirmationAndTheBatchPage_ShowOneTime_OnTheTenantsClock()
    {
        var (_, _, tenant) = await SignInAsync(Roles.Marketer);
        await App.SavePolicyAsync(tenant, p => p with { TimeZoneId = "Asia/Shanghai" });
        var dialogs = Render<MudDialogProvider>();
        var compose = Render<Compose>();

        compose.FindAll("[data-testid=purpose] input")[1].Click();
        compose.Find("[data-testid=content]").Input("Your appointment is tomorrow");
        compose.Find("[data-testid=recipients]").Input("13800138000");
        compose.Find("[data-testid=schedule]").Change(true);
        // The preview renders through the real services; on a busy machine that takes longer than bUnit's one second.
        compose.WaitForAssertion(() => Assert.False(compose.Find("[data-testid=send]").HasAttribute("disabled")), TimeSpan.FromSeconds(15));
        await compose.InvokeAsync(() => compose.Find("[data-testid=send]").Click());

        string confirmed = "";
        // The confirmation opens after the send's checks, which on a busy machine take longer than bUnit's one second.
        dialogs.WaitForAssertion(() =>
        {
            var shown = Shown().Match(dialogs.Markup);
            Assert.True(shown.Success, "the confirmation says when the send will go");
            confirmed = shown.Groups[1].Value;
        }, TimeSpan.FromSeconds(15));
        Assert.EndsWith("UTC+08:00", confirmed);
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Send").Click());

        compose.WaitForAssertion(() => Assert.Contains("/batches/", Services.GetRequiredService<NavigationManager>().Uri));
        var batch = long.Parse(Services.GetRequiredService<NavigationManager>().Uri.Split("/batches/")[1]);
        var page = Render<BatchDetail>(p => p.Add(c => c.Id, batch));
        page.WaitForAssertion(() => Assert.Equal(confirmed, page.Find("[data-testid=batch-scheduled]").TextContent));
        var hover = page.Find("[data-testid=batch-scheduled]").GetAttribute("title")!;
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:00 UTC · Asia/Shanghai$", hover);
    }

    [GeneratedRegex(@"will be sent at (\d{4}-\d\d-\d\d \d\d:\d\d UTC[+-]\d\d:\d\d)")]
    private static partial Regex Shown();
}
