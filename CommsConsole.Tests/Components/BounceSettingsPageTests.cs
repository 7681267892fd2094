using Bunit;
using CommsConsole.Components.Pages.Settings;
using CommsConsole.Features.Tenancy;
using CommsConsole.Testing;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Components;

[Collection(AppCollection.Name)]
public sealed class BounceSettingsPageTests(SharedApp app) : ConsoleComponentContext(app)
{
    [Fact]
    public async Task Admin_SavesTheMailbox_ThePasswordIsShownMasked_AndTheLastReadIsShown()
    {
        var (_, _, tenant) = await SignInAsync(Roles.Admin);
        await using var pop = Pop3Server.Start();

        var cut = Render<BounceSettingsPage>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=mailbox-host]")));
        Assert.Contains("Never read yet", cut.Find("[data-testid=mailbox-status]").TextContent);

        cut.Find("[data-testid=mailbox-host]").Change("127.0.0.1");
        cut.Find("[data-testid=mailbox-port]").Change(pop.Port.ToString());
        cut.Find("[data-testid=mailbox-user]").Change(pop.UserName);
        cut.Find("[data-testid=mailbox-password]").Change(pop.Password);
        cut.Find("[data-testid=soft-bounce-limit]").Change("4");
        cut.Find("[data-testid=save-bounces]").Click();

        await App.WaitUntilAsync(async db => await db.BounceSettings.AnyAsync(s => s.TenantId == tenant && s.Host == "127.0.0.1"));
        using var db = App.Db();
        var saved = await db.BounceSettings.SingleAsync(s => s.TenantId == tenant);
        Assert.Equal((pop.Port, "pop3", pop.UserName, 4, false), (saved.Port, saved.Protocol, saved.UserName, saved.SoftBounceLimit, saved.Enabled));
        Assert.DoesNotContain(pop.Password, saved.ProtectedPassword);
        cut.WaitForAssertion(() => Assert.Contains("••••0rd!", cut.Markup));
        Assert.DoesNotContain(pop.Password, cut.Markup);
    }
}
