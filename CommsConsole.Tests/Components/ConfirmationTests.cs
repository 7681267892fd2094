using AngleSharp.Dom;
using Bunit;
using CommsConsole.Components.Pages.Admin;
using CommsConsole.Components.Pages.Batches;
using CommsConsole.Components.Pages.Logs;
using CommsConsole.Data;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CommsConsole.Tests.Components;

/// <summary>Actions that cost money, cut someone off or will fail again ask first, say what they will do, and report what they did.</summary>
[Collection(AppCollection.Name)]
public sealed class ConfirmationTests(SharedApp app) : ConsoleComponentContext(app)
{
    /// <summary>Sends to three numbers the simulated provider refuses and one it takes; answers the batch id once all four are settled.</summary>
    private async Task<long> BatchWithThreeRefusedAsync(HttpClient api)
    {
        var (status, body) = await api.PostAsync("/communication/bulk", new
        {
            channel = "sms", purpose = "transactional", content = "Your parcel is on its way",
            recipients = new[] { AppFactory.RejectedPrefix + "0001", AppFactory.RejectedPrefix + "0002", AppFactory.RejectedPrefix + "0003", "13800138000" },
        });
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        var batch = body.Long("batch_id");
        await App.WaitUntilAsync(async db => await db.Messages.CountAsync(m => m.BatchId == batch && (m.Status == MessageStatus.Failed || m.Status == MessageStatus.Sent)) == 4);
        return batch;
    }

    // Found and clicked in one step on the renderer's thread, so a re-render in between cannot take the handler away.
    private static Task Answer(IRenderedComponent<MudDialogProvider> dialogs, string button) =>
        dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == button).Click());

    private static Task Click<T>(IRenderedComponent<T> cut, string selector) where T : Microsoft.AspNetCore.Components.IComponent =>
        cut.InvokeAsync(() => cut.Find(selector).Click());

    [Fact]
    public async Task ResendFailed_SaysHowManyAndWhatItCosts_AndResendsOnlyWhenConfirmed()
    {
        var (api, _, _) = await SignInAsync(Roles.Marketer);
        var batch = await BatchWithThreeRefusedAsync(api);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<BatchDetail>(p => p.Add(c => c.Id, batch));

        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=resend-failed]").HasAttribute("disabled")));
        // One message sent, none reported delivered by the simulated provider: the page says why.
        Assert.Contains("The simulated provider and SMTP send no such reports", cut.Find("[data-testid=delivered-explained]").TextContent);
        await Click(cut, "[data-testid=resend-failed]");
        dialogs.WaitForAssertion(() => Assert.Contains("3 failed messages will be sent again, 3 billed units, estimated cost 0.15 CNY.", dialogs.Markup));
        await Answer(dialogs, "Cancel");
        await using (var db = App.Db())
        {
            Assert.Equal(0, await db.Messages.CountAsync(m => m.BatchId == batch && m.RetryCount > 0));
        }

        await Click(cut, "[data-testid=resend-failed]");
        dialogs.WaitForAssertion(() => Assert.Contains("3 failed messages will be sent again", dialogs.Markup));
        await Answer(dialogs, "Resend");
        await App.WaitUntilAsync(async db => await db.Messages.CountAsync(m => m.BatchId == batch && m.RetryCount == 1) == 3);
    }

    [Fact]
    public async Task RetryOfAMessageTheProviderRefused_WarnsItWillFailAgain_ButATimedOutOneGoesStraightAway()
    {
        var (api, _, _) = await SignInAsync(Roles.Marketer);
        var batch = await BatchWithThreeRefusedAsync(api);
        long refused, timedOut;
        await using (var db = App.Db())
        {
            var failed = await db.Messages.Where(m => m.BatchId == batch && m.Status == MessageStatus.Failed).OrderBy(m => m.Id).Select(m => m.Id).ToListAsync();
            (refused, timedOut) = (failed[0], failed[1]);
            // As dispatch leaves a message whose provider timed out through every automatic retry.
            await db.Messages.Where(m => m.Id == timedOut).ExecuteUpdateAsync(s => s.SetProperty(m => m.Error, Message.GaveUp("provider timed out", 3)));
        }
        var dialogs = Render<MudDialogProvider>();
        var drawer = Render<MessageDrawer>(p => p.Add(c => c.Open, true).Add(c => c.MessageId, refused));

        drawer.WaitForElement("[data-testid=retry-message]");
        await Click(drawer, "[data-testid=retry-message]");
        dialogs.WaitForAssertion(() => Assert.Contains("it will most likely fail the same way", dialogs.Markup));
        await Answer(dialogs, "Cancel");
        await using (var db = App.Db())
        {
            Assert.Equal(MessageStatus.Failed, (await db.Messages.SingleAsync(m => m.Id == refused)).Status);
        }
        await Click(drawer, "[data-testid=retry-message]");
        dialogs.WaitForAssertion(() => Assert.Contains("Retry anyway", dialogs.Markup));
        await Answer(dialogs, "Retry anyway");
        await App.WaitUntilAsync(async db => (await db.Messages.SingleAsync(m => m.Id == refused)).RetryCount == 1);

        drawer.Render(p => p.Add(c => c.MessageId, timedOut));
        drawer.WaitForAssertion(() => Assert.Contains("log_" + timedOut, drawer.Markup));
        await Click(drawer, "[data-testid=retry-message]");
        await App.WaitUntilAsync(async db => (await db.Messages.SingleAsync(m => m.Id == timedOut)).RetryCount == 1,
            because: "a message that only timed out is retried without a warning");
        Assert.DoesNotContain("Retry anyway", dialogs.Markup);
    }

    [Fact]
    public async Task LockingAUser_AsksFirst_AndOnlyLocksWhenConfirmed()
    {
        var (_, _, tenant) = await SignInAsync(Roles.Admin);
        var (_, marketerId) = await App.UserAsync(Roles.Marketer, tenant);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<Users>();

        IElement LockButton() => cut.FindAll("[data-testid=user-table] tr").Single(r => r.TextContent.Contains("marketer-")).QuerySelectorAll("button").Single(b => b.TextContent.Trim() == "Lock");
        cut.WaitForAssertion(() => LockButton());
        await cut.InvokeAsync(() => LockButton().Click());
        dialogs.WaitForAssertion(() => Assert.Contains("their API tokens stop working", dialogs.Markup));
        await Answer(dialogs, "Cancel");
        Assert.False(await IsLockedAsync(marketerId));

        await cut.InvokeAsync(() => LockButton().Click());
        dialogs.WaitForAssertion(() => Assert.Contains("their API tokens stop working", dialogs.Markup));
        await Answer(dialogs, "Lock");
        await App.WaitUntilAsync(async _ => await IsLockedAsync(marketerId));
    }

    private async Task<bool> IsLockedAsync(string userId)
    {
        using var scope = App.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        return await users.IsLockedOutAsync((await users.FindByIdAsync(userId))!);
    }
}
