using System.Net;
using CommsConsole.Data;
using CommsConsole.Features.Bounces;
using CommsConsole.Features.Messaging;
using CommsConsole.Tests.Features.Audiences;
using CommsConsole.Tests.Features.Batches;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Bounces;

/// <summary>
/// Delivery status notifications read from a tenant's bounce mailbox on a real POP3 server, about messages the app sent
/// through its SMTP path to a real SMTP peer.
/// </summary>
[Collection(BounceCollection.Name)]
public sealed class BounceMailboxTests(BounceFixture fixture)
{
    private AppFactory App => fixture.App;

    [Fact]
    public async Task HardBounce_FailsTheMessage_SuppressesTheAddress_AndLeavesOtherMailAlone()
    {
        await using var t = await BounceTenant.CreateAsync(App);
        var (batchId, rows) = await t.SendAsync("gone@example.com", "fine@example.com");
        Assert.All(rows, m => Assert.Equal(MessageStatus.Sent, m.Status));
        var received = fixture.Peer.Received().Single(r => r.RcptTo.Contains("gone@example.com")).Message;
        Assert.Equal("<" + received.MessageId + ">", rows[0].ThirdPartyId);

        t.Mailbox.Add("1-bounce", Dsn.Hard(rows[0], wholeMessage: true));
        t.Mailbox.Add("2-reply", Dsn.NotAReport(rows[1]));
        var read = await t.ReadMailboxAsync();

        Assert.True(read.IsOk, read.Error?.Message);
        Assert.Equal(new MailboxRead(2, 1, 1), read.Value);
        Assert.Equal(["2-reply"], t.Mailbox.Messages());
        using var db = App.Db();
        var gone = await db.Messages.SingleAsync(m => m.Id == rows[0].Id);
        Assert.Equal(MessageStatus.Failed, gone.Status);
        Assert.Contains("5.1.1", gone.Error);
        Assert.Equal(MessageStatus.Sent, (await db.Messages.SingleAsync(m => m.Id == rows[1].Id)).Status);
        var batch = await db.Batches.SingleAsync(b => b.Id == batchId);
        Assert.Equal((1, 1), (batch.Sent, batch.Failed));
        await BatchRowCounts.AssertMatchRowsAsync(db, [batchId], "the bounces");

        var bounce = await db.Bounces.SingleAsync(b => b.TenantId == t.TenantId);
        Assert.Equal((rows[0].Id, batchId, "gone@example.com", BounceKind.Hard, "5.1.1", BounceSource.Mailbox),
            (bounce.MessageId, bounce.BatchId, bounce.Recipient, bounce.Kind, bounce.Status, bounce.Source));
        var suppression = await db.Suppressions.SingleAsync(s => s.TenantId == t.TenantId);
        Assert.Equal(("gone@example.com", Channel.Email, SuppressionReason.Bounce, (DateTimeOffset?)null),
            (suppression.Address, suppression.Channel, suppression.Reason, suppression.RemovedAt));

        // The figures, over REST, for the batch's sender.
        var (status, body) = await t.Marketer.GetJsonAsync($"/communication/bounces?batch_id={batchId}");
        Assert.Equal(HttpStatusCode.OK, status);
        var figures = body.GetProperty("figures");
        Assert.Equal((1, 0, 1), (figures.Int("hard"), figures.Int("soft"), figures.Int("bounced")));
        var item = Assert.Single(body.GetProperty("items").EnumerateArray());
        Assert.Equal(("log_" + rows[0].Id, "gone@example.com", "hard", "mailbox"), (item.Str("log_id"), item.Str("recipient"), item.Str("kind"), item.Str("source")));

        // The next read finds only the reply, and the settings say when the mailbox was read.
        Assert.Equal(new MailboxRead(1, 0, 0), (await t.ReadMailboxAsync()).Value);
        var settings = await db.BounceSettings.AsNoTracking().SingleAsync(s => s.TenantId == t.TenantId);
        Assert.NotNull(settings.LastReadAt);
        Assert.Null(settings.LastError);
        Assert.Null(settings.LeaseId);
    }

    [Fact]
    public async Task SoftBounces_ThreeInARow_SuppressTheAddress_ButADeliveryBetweenThem_DoesNot()
    {
        await using var t = await BounceTenant.CreateAsync(App);
        const string full = "full@example.com", flaky = "flaky@example.com";
        var sends = new List<List<Message>>();
        for (var i = 0; i < 3; i++) sends.Add((await t.SendAsync(full, flaky)).Rows);

        // full: soft, soft, soft. flaky: soft, delivered, soft.
        for (var i = 0; i < 3; i++) t.Mailbox.Add($"full-{i}", Dsn.Soft(sends[i][0]));
        t.Mailbox.Add("flaky-0", Dsn.Soft(sends[0][1]));
        t.Mailbox.Add("flaky-1", Dsn.Delivered(sends[1][1]));
        t.Mailbox.Add("flaky-2", Dsn.Soft(sends[2][1]));
        var read = await t.ReadMailboxAsync();

        Assert.Equal(new MailboxRead(6, 6, 6), read.Value);
        Assert.Empty(t.Mailbox.Messages());
        using var db = App.Db();
        var suppressed = await db.Suppressions.Where(s => s.TenantId == t.TenantId).Select(s => s.Address).ToListAsync();
        Assert.Equal([full], suppressed);
        Assert.Equal(5, await db.Bounces.CountAsync(b => b.TenantId == t.TenantId && b.Kind == BounceKind.Soft));
        Assert.Equal(MessageStatus.Delivered, (await db.Messages.SingleAsync(m => m.Id == sends[1][1].Id)).Status);
        // Soft bounces fail nothing: the messages stay sent.
        Assert.Equal(MessageStatus.Sent, (await db.Messages.SingleAsync(m => m.Id == sends[2][0].Id)).Status);

        // Two more soft bounces of flaky make three in a row after its delivery.
        var more = new[] { (await t.SendAsync(flaky)).Rows[0], (await t.SendAsync(flaky)).Rows[0] };
        t.Mailbox.Add("flaky-3", Dsn.Soft(more[1]));
        t.Mailbox.Add("flaky-4", Dsn.Soft(more[0]));
        await t.ReadMailboxAsync();
        using var after = App.Db();
        Assert.True(await after.Suppressions.AnyAsync(s => s.TenantId == t.TenantId && s.Address == flaky && s.Reason == SuppressionReason.Bounce));
    }

    [Fact]
    public async Task ReportsNotAboutTheTenantsOwnMessages_ChangeNothing_AndStayInTheMailbox()
    {
        await using var victim = await BounceTenant.CreateAsync(App);
        await using var attacker = await BounceTenant.CreateAsync(App);
        var (victimBatch, rows) = await victim.SendAsync("victim@example.com");
        var m = rows[0];
        var rowId = m.ThirdPartyId!.Trim('<', '>').Split('.')[0];
        var domain = m.ThirdPartyId!.Split('@')[1].TrimEnd('>');

        // The other tenant's mailbox holds a real report about the victim's message.
        attacker.Mailbox.Add("other-tenant", Dsn.Hard(m));
        // The victim's own mailbox holds forgeries: the row id with another random part, with Unicode digits, another
        // recipient, markup and an oversized diagnostic, and ordinary mail quoting the Message-ID.
        victim.Mailbox.Add("forged-random", Dsn.For($"{rowId}.0000000000000000@{domain}", m.Recipient, "failed", "5.1.1", "550 unknown"));
        victim.Mailbox.Add("unicode-digits", Dsn.For(m.ThirdPartyId!.Replace(rowId, string.Concat(rowId.Select(c => (char)('٠' + (c - '0'))))),
            m.Recipient, "failed", "5.1.1", "550 unknown"));
        victim.Mailbox.Add("other-recipient", Dsn.For(m.ThirdPartyId!, "someone.else@example.com", "failed", "5.1.1", "550 unknown"));
        victim.Mailbox.Add("markup", Dsn.For(m.ThirdPartyId!, "<script>alert(1)</script>@example.com", "failed", "5.1.1", "<b>" + new string('x', 5000) + "</b>"));
        victim.Mailbox.Add("reply", Dsn.NotAReport(m));
        // A real report, but larger than any report is: never downloaded.
        victim.Mailbox.Add("oversized", Dsn.Hard(m).Replace("Your message could not be delivered.", new string('x', BounceFixture.MaxMessageBytes)));

        Assert.Equal(new MailboxRead(1, 1, 0), (await attacker.ReadMailboxAsync()).Value);
        Assert.Equal(new MailboxRead(6, 4, 0), (await victim.ReadMailboxAsync()).Value);

        Assert.Equal(["other-tenant"], attacker.Mailbox.Messages());
        Assert.Equal(6, victim.Mailbox.Messages().Count);
        Assert.Equal(5, victim.Mailbox.Retrieved);
        using var db = App.Db();
        Assert.Equal(MessageStatus.Sent, (await db.Messages.SingleAsync(x => x.Id == m.Id)).Status);
        Assert.False(await db.Bounces.AnyAsync(b => b.MessageId == m.Id));
        Assert.False(await db.Suppressions.AnyAsync(s => s.TenantId == victim.TenantId || s.TenantId == attacker.TenantId));

        // Nor can the other tenant read the victim's batch's bounces.
        var (status, _) = await attacker.Marketer.GetJsonAsync($"/communication/bounces?batch_id={victimBatch}");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task TwentyReadsAtOnce_RecordEachBounceOnce()
    {
        await using var t = await BounceTenant.CreateAsync(App);
        var (batchId, rows) = await t.SendAsync("a@example.com", "b@example.com", "c@example.com");
        foreach (var m in rows) t.Mailbox.Add("dsn-" + m.Id, Dsn.Hard(m));

        var reads = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => t.ReadMailboxAsync())));

        // One read at a time held the mailbox (the others found it claimed and left it, or came after and found it empty).
        Assert.All(reads, r => Assert.True(r.IsOk, r.Error?.Message));
        Assert.Equal(3, reads.Sum(r => r.Value?.Applied ?? 0));
        Assert.Empty(t.Mailbox.Messages());
        Assert.Equal(0, t.Mailbox.RefusedInUse);
        using var db = App.Db();
        Assert.Equal(3, await db.Bounces.CountAsync(b => b.BatchId == batchId));
        var batch = await db.Batches.SingleAsync(b => b.Id == batchId);
        Assert.Equal((0, 3), (batch.Sent, batch.Failed));
        await BatchRowCounts.AssertMatchRowsAsync(db, [batchId], "the bounces");
        Assert.Equal(3, await db.Suppressions.CountAsync(s => s.TenantId == t.TenantId));

        // The same report applied twenty times at once (as two nodes past each other's lease would) is still one bounce.
        var report = new BounceReport(t.TenantId, rows[0].Id, rows[0].Recipient, BounceKind.Soft, "4.2.2", "full", BounceSource.Mailbox, rows[0].ThirdPartyId);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var scope = App.Services.CreateScope();
            return await scope.ServiceProvider.GetRequiredService<BounceRecorder>().RecordAsync(report, CancellationToken.None);
        }));
        Assert.Equal(1, outcomes.Count(o => o == BounceOutcome.Recorded));
        Assert.Equal(19, outcomes.Count(o => o == BounceOutcome.AlreadyRecorded));
        using var after = App.Db();
        Assert.Equal(1, await after.Bounces.CountAsync(b => b.MessageId == rows[0].Id && b.Kind == BounceKind.Soft));
    }

    [Fact]
    public async Task Settings_KeepThePasswordOnlyForTheSameMailbox_AndAreAdminsOnly()
    {
        await using var t = await BounceTenant.CreateAsync(App);
        using var scope = App.Services.CreateScope();
        var service = scope.ServiceProvider.GetRequiredService<BounceSettingsService>();
        var view = (await service.GetAsync(t.Admin, null, CancellationToken.None)).Value!;
        Assert.Equal(("127.0.0.1", "••••0rd!", 3, true), (view.Host, view.Password, view.SoftBounceLimitInForce, view.Enabled));

        // A blank password is kept while the mailbox stays the same, and not when it moves.
        var same = new BounceSettingsInput("127.0.0.1", t.Mailbox.Port, "None", "pop3", t.Mailbox.UserName, null, true, 5);
        Assert.True((await service.SaveAsync(t.Admin, null, same, CancellationToken.None)).IsOk);
        Assert.Equal(5, (await service.GetAsync(t.Admin, null, CancellationToken.None)).Value!.SoftBounceLimitInForce);
        Assert.Equal(0, (await service.TestAsync(t.Admin, null, CancellationToken.None)).Value);
        var moved = await service.SaveAsync(t.Admin, null, same with { Host = "mail.example.net" }, CancellationToken.None);
        Assert.Equal("password", moved.Error!.Text.Field);

        // Bad input names its field; nothing of it is saved.
        foreach (var (input, field) in new[]
                 {
                     (same with { Protocol = "smtp" }, "protocol"), (same with { Port = 0 }, "mailbox_port"), (same with { Host = "bad host!" }, "mailbox_host"),
                     (same with { Host = new string('a', 300) }, "mailbox_host"), (same with { SoftBounceLimit = 0 }, "soft_bounce_limit"),
                     (same with { Security = "ssl3" }, "security"), (same with { Password = new string('p', 257) }, "password"),
                 })
        {
            var refused = await service.SaveAsync(t.Admin, null, input, CancellationToken.None);
            Assert.Equal(field, refused.Error?.Text.Field);
        }

        // A wrong password is the mailbox's refusal, shown as the test's result.
        Assert.True((await service.SaveAsync(t.Admin, null, same with { Password = "wrong" }, CancellationToken.None)).IsOk);
        var test = await service.TestAsync(t.Admin, null, CancellationToken.None);
        Assert.False(test.IsOk);
        var read = await t.ReadMailboxAsync();
        Assert.False(read.IsOk);
        using var db = App.Db();
        Assert.NotNull((await db.BounceSettings.SingleAsync(s => s.TenantId == t.TenantId)).LastError);

        // Only the tenant's Admins (and a SystemAdmin) manage them.
        var (_, marketerId) = await App.NewUserAsync(Roles.Marketer, t.TenantId);
        Assert.Equal(ErrorKind.Forbidden, (await service.GetAsync(new Caller(marketerId, t.TenantId, Roles.Marketer), null, CancellationToken.None)).Error!.Kind);
        var other = await App.CreateTenantAsync();
        var (_, otherAdmin) = await App.NewUserAsync(Roles.Admin, other);
        Assert.Equal(ErrorKind.Forbidden, (await service.SaveAsync(new Caller(otherAdmin, other, Roles.Admin), t.TenantId, same, CancellationToken.None)).Error!.Kind);
    }

    [Fact]
    public async Task ErasingThePerson_KeepsTheBatchFigures_ButNotTheAddress()
    {
        await using var t = await BounceTenant.CreateAsync(App);
        var (batchId, rows) = await t.SendAsync("Erase.Me@Example.com");
        t.Mailbox.Add("dsn", Dsn.Hard(rows[0]));
        Assert.Equal(1, (await t.ReadMailboxAsync()).Value!.Applied);
        var id = await t.Marketer.UpsertContactAsync(new { email = "erase.me@example.com" });

        var (status, _) = await t.Marketer.DeleteJsonAsync($"/communication/contacts/{id}");

        Assert.Equal(HttpStatusCode.OK, status);
        using var db = App.Db();
        var bounce = await db.Bounces.SingleAsync(b => b.BatchId == batchId);
        Assert.Equal((MessageLedger.ErasedMarker, BounceKind.Hard, (string?)null), (bounce.Recipient, bounce.Kind, bounce.Reason));
        var (_, body) = await t.Marketer.GetJsonAsync($"/communication/bounces?batch_id={batchId}");
        Assert.Equal(1, body.GetProperty("figures").Int("hard"));
        Assert.DoesNotContain("erase.me", body.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task BouncesApi_RefusesBadInput_NamingTheField()
    {
        await using var t = await BounceTenant.CreateAsync(App, mailbox: false);
        foreach (var (query, field) in new[]
                 {
                     ("batch_id=１", "batch_id"), ("batch_id=-1", "batch_id"), ("kind=<b>", "kind"), ("page=0", "page"), ("page_size=101", "page_size"),
                 })
        {
            var (status, body) = await t.Marketer.GetJsonAsync("/communication/bounces?" + query);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.StartsWith(field + ":", body.Str("message"));
        }
        Assert.Equal(HttpStatusCode.NotFound, (await t.Marketer.GetJsonAsync("/communication/bounces?batch_id=999999999")).Status);
        var (ok, empty) = await t.Marketer.GetJsonAsync("/communication/bounces");
        Assert.Equal((HttpStatusCode.OK, 0), (ok, empty.Int("total")));
    }
}
