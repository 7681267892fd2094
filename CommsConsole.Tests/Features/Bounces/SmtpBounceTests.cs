using CommsConsole.Data;
using CommsConsole.Features.Bounces;
using CommsConsole.Features.Messaging;
using CommsConsole.Testing;
using CommsConsole.Tests.Features.Batches;
using CommsConsole.Tests.Features.Providers;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Bounces;

/// <summary>Bounces learned in the SMTP conversation with a real SMTP peer.</summary>
[Collection(BounceCollection.Name)]
public sealed class SmtpBounceTests(BounceFixture fixture)
{
    [Fact]
    public async Task RecipientRefusedBySmtp_IsAHardBounce_AndADeferralASoftOne_EachRecordedOnce()
    {
        await using var t = await BounceTenant.CreateAsync(fixture.App, mailbox: false);
        var (batchId, rows) = await t.SendAsync(SmtpPeer.RefusedRecipient, SmtpPeer.DeferredRecipient, "fine@example.com");

        // The deferred message is retried (each time deferred again) until it gives up: still one soft bounce.
        await fixture.App.WaitUntilAsync(async db => await db.Messages.CountAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Failed) == 2
            && await db.Bounces.CountAsync(b => b.BatchId == batchId) == 2, TimeSpan.FromSeconds(120), "both bounced and failed");
        using var db = fixture.App.Db();
        var bounces = await db.Bounces.Where(b => b.BatchId == batchId).OrderBy(b => b.MessageId).ToListAsync();
        Assert.Equal((rows[0].Id, BounceKind.Hard, "5.1.1", BounceSource.Smtp, SmtpPeer.RefusedRecipient),
            (bounces[0].MessageId, bounces[0].Kind, bounces[0].Status, bounces[0].Source, bounces[0].Recipient));
        Assert.Equal((rows[1].Id, BounceKind.Soft, "4.7.1", BounceSource.Smtp), (bounces[1].MessageId, bounces[1].Kind, bounces[1].Status, bounces[1].Source));
        Assert.Contains("Recipient address rejected", bounces[0].Reason);

        // The refused address is suppressed; one deferral is not a streak.
        var suppressed = await db.Suppressions.Where(s => s.TenantId == t.TenantId).ToListAsync();
        var s = Assert.Single(suppressed);
        Assert.Equal((SmtpPeer.RefusedRecipient, SuppressionReason.Bounce), (s.Address, s.Reason));
        await BatchRowCounts.AssertMatchRowsAsync(db, [batchId], "the SMTP bounces");

        using var scope = fixture.App.Services.CreateScope();
        var figures = await scope.ServiceProvider.GetRequiredService<BounceService>().FiguresAsync(batchId, CancellationToken.None);
        Assert.Equal((1, 1, 2), (figures.Hard, figures.Soft, figures.Bounced));
    }
}
