using System.Net;
using CommsConsole.Data;
using CommsConsole.Features.Common;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Audiences;

/// <summary>Sending to a contact list: who is written, who is counted out and why, over both API faces.</summary>
[Collection(AppCollection.Name)]
public sealed class AudienceSendTests(SharedApp app)
{
    [Fact]
    public async Task ListSend_ReachesEachSubscribedMemberWithAPhoneOnce_AndCountsTheRestByReason()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var a = await client.UpsertContactAsync(new { phone = "13800140001", name = "A" });
        var b = await client.UpsertContactAsync(new { phone = "13800140002", email = "b@example.com" });
        var gone = await client.UpsertContactAsync(new { phone = "13800140003" });
        var mailOnly = await client.UpsertContactAsync(new { email = "m@example.com" });
        var outsider = await client.UpsertContactAsync(new { phone = "13800140005" });
        var broken = await InsertContactAsync(tenant, phone: "");
        var list = await client.CreateListAsync("Customers");
        await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { a, b, gone, mailOnly, broken } });
        await client.PostAsync($"/communication/contacts/{gone}/consent", new { channel = "sms", subscribed = false, how = "form" });

        var (status, body) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Sale", list_id = list });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.TryGetProperty("items", out _));
        Assert.Equal(3, body.Int("total"));
        var counts = body.GetProperty("audience");
        Assert.Equal((5, 2, 1, 1, 1), (counts.Int("members"), counts.Int("will_receive"), counts.Int("no_address"), counts.Int("unsubscribed"), counts.Int("invalid")));
        var batchId = body.Long("batch_id");
        await app.WaitSettledAsync(batchId);
        using var db = app.Db();
        var rows = await db.Messages.AsNoTracking().Where(m => m.BatchId == batchId).OrderBy(m => m.Recipient).ToListAsync();
        Assert.Equal(["13800140001", "13800140002", "13800140003"], rows.Select(r => r.Recipient));
        Assert.Equal([MessageStatus.Sent, MessageStatus.Sent, MessageStatus.Suppressed], rows.Select(r => r.Status));
        Assert.StartsWith("suppressed:", rows[2].Error);
        Assert.All(rows, r => Assert.StartsWith("【Shop】Sale", r.Content));
        Assert.DoesNotContain(rows, r => r.Recipient == "13800140005");
        await AssertCountsMatchRowsAsync(db, batchId);
        Assert.NotEqual(0, outsider);
    }

    [Fact]
    public async Task SegmentSend_ReachesWhoMatchesTheFilterAtTheSend_SubscribedWithAPhone_AndCountsTheRest()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        await client.UpsertContactAsync(new { phone = "13800140011", name = "Li", attributes = new { city = "Shanghai" }, tags = new[] { "vip" } });
        await client.UpsertContactAsync(new { phone = "13800140012", name = "Wang", attributes = new { city = "shanghai" }, tags = new[] { "vip" } });
        var gone = await client.UpsertContactAsync(new { phone = "13800140013", attributes = new { city = "Shanghai" }, tags = new[] { "vip" } });
        await client.UpsertContactAsync(new { email = "mail@example.com", attributes = new { city = "Shanghai" }, tags = new[] { "vip" } });
        await client.UpsertContactAsync(new { phone = "13800140015", attributes = new { city = "Shanghai" } });
        await client.UpsertContactAsync(new { phone = "13800140016", attributes = new { city = "Beijing" }, tags = new[] { "vip" } });
        await client.PostAsync($"/communication/contacts/{gone}/consent", new { channel = "sms", subscribed = false, how = "form" });
        var (created, segment) = await client.PostAsync("/communication/segments", new { name = "VIP Shanghai", filter = "city = \"Shanghai\" AND tag \"vip\"" });
        Assert.Equal(HttpStatusCode.Created, created);

        var (status, body) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Hi {{ name | default: \"there\" }}", segment_id = segment.Long("id") });

        Assert.Equal(HttpStatusCode.OK, status);
        var counts = body.GetProperty("audience");
        Assert.Equal((4, 2, 1, 1, 0), (counts.Int("members"), counts.Int("will_receive"), counts.Int("no_address"), counts.Int("unsubscribed"), counts.Int("invalid")));
        var batchId = body.Long("batch_id");
        await app.WaitSettledAsync(batchId);
        using var db = app.Db();
        var rows = await db.Messages.AsNoTracking().Where(m => m.BatchId == batchId).OrderBy(m => m.Recipient).ToListAsync();
        Assert.Equal(["13800140011", "13800140012", "13800140013"], rows.Select(r => r.Recipient));
        Assert.StartsWith("【Shop】Hi Li", rows[0].Content);
        Assert.StartsWith("【Shop】Hi Wang", rows[1].Content);
        Assert.Equal([MessageStatus.Sent, MessageStatus.Sent, MessageStatus.Suppressed], rows.Select(r => r.Status));
        await AssertCountsMatchRowsAsync(db, batchId);

        // The same segment over the notification face: its members are whoever matches now (a new Shanghai VIP joins).
        await client.UpsertContactAsync(new { phone = "13800140017", attributes = new { city = "Shanghai" }, tags = new[] { "vip" } });
        var (again, answer) = await client.PostAsync("/notification/sms/send-batch", new { content = "【Shop】Again", segmentId = segment.Long("id") });
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(3, answer.GetProperty("data").GetProperty("audience").Int("willReceive"));
    }

    [Fact]
    public async Task ListSend_ToAnotherTenantsList_Is404_AndBadIdsAre400_WithNothingStored()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (stranger, _) = await app.UserAsync(Roles.Marketer, other);
        var theirs = await stranger.CreateListAsync("Theirs");
        await stranger.PostAsync($"/communication/lists/{theirs}/contacts", new { contact_ids = new[] { await stranger.UpsertContactAsync(new { phone = "13800140101" }) } });

        var (notFound, missing) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Hi", list_id = theirs });
        Assert.Equal(HttpStatusCode.NotFound, notFound);
        Assert.Contains("list_id", missing.Str("message"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/notification/sms/send-batch", new { content = "【Shop】Hi", listId = theirs })).Status);

        foreach (var bad in new object[]
        {
            new { channel = "sms", content = "【Shop】Hi", list_id = (object)"１２" },
            new { channel = "sms", content = "【Shop】Hi", list_id = (object)-3 },
            new { channel = "sms", content = "【Shop】Hi", list_id = (object)"<b>1</b>" },
            new { channel = "sms", content = "【Shop】Hi", list_id = (object)new string('9', 5000) },
        })
        {
            var (s, e) = await client.PostAsync("/communication/bulk", bad);
            Assert.Equal(HttpStatusCode.BadRequest, s);
            Assert.StartsWith("list_id:", e.Str("message"));
        }
        var (both, bothBody) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Hi", list_id = theirs, recipients = new[] { "13800140102" } });
        Assert.Equal(HttpStatusCode.BadRequest, both);
        Assert.Equal("recipients, list_id, segment_id: give exactly one of them", bothBody.Str("message"));
        var (none, _) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Hi" });
        Assert.Equal(HttpStatusCode.BadRequest, none);
        var (_, theirSegment) = await stranger.PostAsync("/communication/segments", new { name = "Theirs", filter = "has phone" });
        var (segment, segmentBody) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Hi", segment_id = theirSegment.Long("id") });
        Assert.Equal((HttpStatusCode.NotFound, $"segment_id: no segment with id {theirSegment.Long("id")}"), (segment, segmentBody.Str("message")));
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/notification/sms/send-batch", new { content = "【Shop】Hi", segmentId = theirSegment.Long("id") })).Status);

        using var db = app.Db();
        Assert.False(await db.Batches.AnyAsync(x => x.TenantId == tenant));
        Assert.False(await db.Messages.AnyAsync(x => x.TenantId == tenant));
    }

    [Fact]
    public async Task EmptyList_AndAListWithNoPhones_AreRefusedWithAClearAnswer()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var empty = await client.CreateListAsync("Empty");
        var mail = await client.CreateListAsync("Mail");
        await client.PostAsync($"/communication/lists/{mail}/contacts", new { contact_ids = new[] { await client.UpsertContactAsync(new { email = "x@example.com" }) } });

        var (s1, e1) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Hi", list_id = empty });
        var (s2, e2) = await client.PostAsync("/notification/sms/send-batch", new { content = "【Shop】Hi", listId = mail });

        Assert.Equal((HttpStatusCode.BadRequest, "list_id: it has no contacts"), (s1, e1.Str("message")));
        Assert.Equal(HttpStatusCode.BadRequest, s2);
        Assert.Equal("listId: none of its 1 contacts has a valid phone number (1 without one, 0 invalid)", e2.Str("message"));
        using var db = app.Db();
        Assert.False(await db.Batches.AnyAsync(x => x.TenantId == tenant));
    }

    [Fact]
    public async Task SendBatch_WithAListId_AnswersTheBatchAndCounts_WithoutDetails()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var list = await marketer.CreateListAsync("Api");
        await marketer.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[]
        {
            await marketer.UpsertContactAsync(new { phone = "13800140201" }), await marketer.UpsertContactAsync(new { phone = "13800140202" }),
        } });

        var (status, body) = await client.PostAsync("/notification/sms/send-batch", new { content = "【Shop】News", listId = list.ToString() });

        Assert.Equal(HttpStatusCode.OK, status);
        var data = body.GetProperty("data");
        Assert.False(data.TryGetProperty("details", out _));
        Assert.Equal(2, data.Int("total"));
        Assert.Equal(2, data.GetProperty("audience").Int("willReceive"));
        await app.WaitSettledAsync(data.Long("batchId"));
        using var db = app.Db();
        await AssertCountsMatchRowsAsync(db, data.Long("batchId"));
    }

    [Fact]
    public async Task AContactUnsubscribedBetweenAcceptAndDispatch_IsSuppressedAtDispatch()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        var stays = await client.UpsertContactAsync(new { phone = "13800140301" });
        var leaves = await client.UpsertContactAsync(new { phone = "13800140302" });
        var list = await client.CreateListAsync("Later");
        await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { stays, leaves } });
        var caller = new Caller(userId, tenant, Roles.Marketer);
        var receipt = await app.WithAsync<MessagingService, Result<SendReceipt>>(m => m.SendAsync(new SendRequest
        {
            Channel = Channel.Sms, Recipients = null, Audience = new AudienceRef(AudienceKind.List, list, "list_id"), Content = "【Shop】Later",
            Source = "console", NotBefore = DateTimeOffset.UtcNow.AddSeconds(3),
        }, caller, CancellationToken.None));
        Assert.True(receipt.IsOk, receipt.Error?.Message);
        Assert.Equal(2, receipt.Value!.Batch.Pending);
        await client.PostAsync($"/communication/contacts/{leaves}/consent", new { channel = "sms", subscribed = false, how = "form" });

        var batchId = receipt.Value.Batch.Id;
        await app.WaitSettledAsync(batchId);
        using var db = app.Db();
        var rows = await db.Messages.AsNoTracking().Where(m => m.BatchId == batchId).OrderBy(m => m.Recipient).ToListAsync();
        Assert.Equal([MessageStatus.Sent, MessageStatus.Suppressed], rows.Select(r => r.Status));
        await AssertCountsMatchRowsAsync(db, batchId);
    }

    [Fact]
    public async Task ContactFields_AreRenderedPerContact_AndTheOptedOutAreStillRecorded()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var li = await client.UpsertContactAsync(new { phone = "13800140401", name = "Li Lei", attributes = new { city = "Shanghai", points = 120 } });
        var han = await client.UpsertContactAsync(new { phone = "13800140402", name = "<b>Han</b>", attributes = new { city = "北京" } });
        var anon = await client.UpsertContactAsync(new { phone = "13800140403" });
        var gone = await client.UpsertContactAsync(new { phone = "13800140404", name = "Gone" });
        var list = await client.CreateListAsync("Personal");
        await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { li, han, anon, gone } });
        await client.PostAsync($"/communication/contacts/{gone}/consent", new { channel = "sms", subscribed = false, how = "form" });

        var (status, body) = await client.PostAsync("/communication/bulk", new
        {
            channel = "sms", list_id = list, variables = new { name = "friend", shop = "Shop" },
            content = "【{{ shop }}】Hi {{ name }} in {{ attributes.city | default: \"your city\" }}, {{ attributes.points | default: 0 }} points",
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((3, 1), (body.GetProperty("audience").Int("will_receive"), body.GetProperty("audience").Int("unsubscribed")));
        using var db = app.Db();
        var batchId = body.Long("batch_id");
        var rows = await db.Messages.AsNoTracking().Where(m => m.BatchId == batchId).OrderBy(m => m.Recipient).ToListAsync();
        Assert.Equal(4, rows.Count);
        Assert.StartsWith("【Shop】Hi Li Lei in Shanghai, 120 points", rows[0].Content);
        Assert.StartsWith("【Shop】Hi <b>Han</b> in 北京, 0 points", rows[1].Content);
        Assert.StartsWith("【Shop】Hi friend in your city, 0 points", rows[2].Content);
        Assert.StartsWith("【Shop】Hi Gone in your city, 0 points", rows[3].Content);
        Assert.Equal(MessageStatus.Suppressed, rows[3].Status);
        await app.WaitSettledAsync(batchId);
        await AssertCountsMatchRowsAsync(db, batchId);
    }

    [Fact]
    public async Task ContactFieldsInAnHtmlEmail_AreEncoded_SoAContactCannotInjectMarkup()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var evil = await client.UpsertContactAsync(new { email = "evil@example.com", name = "<script>alert(1)</script>", attributes = new { city = "<img src=x onerror=alert(2)>" } });
        var list = await client.CreateListAsync("Html");
        await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { evil } });

        var (status, body) = await client.PostAsync("/communication/bulk", new
        {
            channel = "email", purpose = "transactional", list_id = list, subject = "For {{ name }}",
            content = "<p>Hello {{ name }} from {{ attributes.city }}</p>",
        });

        Assert.Equal(HttpStatusCode.OK, status);
        using var db = app.Db();
        var row = await db.Messages.AsNoTracking().SingleAsync(m => m.BatchId == body.Long("batch_id"));
        Assert.Contains("Hello &lt;script&gt;alert(1)&lt;/script&gt; from &lt;img src=x onerror=alert(2)&gt;", row.Content);
        Assert.DoesNotContain("<script>", row.Content);
        Assert.Equal("For <script>alert(1)</script>", row.Subject);
    }

    [Fact]
    public async Task PersonalisedContent_BreakingARuleForOneContact_RefusesTheSend_NamingTheContact()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var fine = await client.UpsertContactAsync(new { phone = "13800140501", name = "Ok" });
        var huge = await client.UpsertContactAsync(new { phone = "13800140502", name = new string('x', 190), attributes = new { bio = new string('y', 990) } });
        var list = await client.CreateListAsync("Long");
        await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { fine, huge } });

        var (status, body) = await client.PostAsync("/communication/bulk", new { channel = "sms", list_id = list, content = "【Shop】{{ name }} {{ attributes.bio }}" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains($"contact {huge}", body.Str("message"));
        using var db = app.Db();
        Assert.False(await db.Messages.AnyAsync(m => m.TenantId == tenant));
        Assert.False(await db.Batches.AnyAsync(m => m.TenantId == tenant));
    }

    [Fact]
    public async Task ListSend_OfMarketingSms_InsideQuietHours_WaitsUntilTheyEnd_AndVerificationCodesAreRefused()
    {
        var tenant = await app.CreateTenantAsync();
        var now = DateTimeOffset.UtcNow;
        var end = now.AddMinutes(60);
        await app.SavePolicyAsync(tenant, p => p with
        {
            TimeZoneId = "UTC", QuietHoursStart = now.AddMinutes(-30).ToString("HH:mm"), QuietHoursEnd = end.ToString("HH:mm"),
        });
        var quietEnds = new DateTimeOffset(end.Year, end.Month, end.Day, end.Hour, end.Minute, 0, TimeSpan.Zero);
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var list = await client.CreateListAsync("Night");
        await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { await client.UpsertContactAsync(new { phone = "13800140701" }) } });

        var (status, body) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Sale", list_id = list });
        var (code, refused) = await client.PostAsync("/notification/sms/send-batch", new { content = "【Shop】123456", listId = list, bizType = "ｖｅｒｉｆｙ＿ｃｏｄｅ", purpose = "transactional" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.StartsWith("listId: verification codes", refused.Str("message"));
        using var db = app.Db();
        var row = await db.Messages.AsNoTracking().SingleAsync(m => m.TenantId == tenant);
        Assert.Equal((MessageStatus.Pending, quietEnds), (row.Status, row.NextAttemptAt));
        Assert.Equal(quietEnds, (await db.Batches.AsNoTracking().SingleAsync(b => b.TenantId == tenant)).ScheduledAt);
    }

    [Fact]
    public async Task TwentySendsToOneList_AtOnce_EachCompleteAndConsistent()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var ids = new List<long>();
        for (var i = 0; i < 5; i++) ids.Add(await client.UpsertContactAsync(new { phone = $"138001406{i:00}" }));
        var list = await client.CreateListAsync("Race");
        await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = ids });
        await client.PostAsync($"/communication/contacts/{ids[0]}/consent", new { channel = "sms", subscribed = false, how = "form" });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Race", list_id = list })));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        var batches = answers.Select(a => a.Body.Long("batch_id")).ToList();
        Assert.Equal(20, batches.Distinct().Count());
        foreach (var batchId in batches) await app.WaitSettledAsync(batchId);
        using var db = app.Db();
        foreach (var batchId in batches)
        {
            var rows = await db.Messages.AsNoTracking().Where(m => m.BatchId == batchId).ToListAsync();
            Assert.Equal(5, rows.Select(r => r.Recipient).Distinct().Count());
            Assert.Equal((4, 1), (rows.Count(r => r.Status == MessageStatus.Sent), rows.Count(r => r.Status == MessageStatus.Suppressed)));
            await AssertCountsMatchRowsAsync(db, batchId);
        }
    }

    private async Task<long> InsertContactAsync(string tenant, string? phone = null, string? email = null)
    {
        using var db = app.Db();
        var contact = new Contact { TenantId = tenant, Phone = phone, Email = email, CreatedBy = "test", CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow };
        db.Contacts.Add(contact);
        await db.SaveChangesAsync();
        return contact.Id;
    }

    private static async Task AssertCountsMatchRowsAsync(AppDbContext db, long batchId)
    {
        var batch = await db.Batches.AsNoTracking().SingleAsync(b => b.Id == batchId);
        var byStatus = await db.Messages.Where(m => m.BatchId == batchId).GroupBy(m => m.Status).Select(g => new { g.Key, N = g.Count() }).ToListAsync();
        int Of(MessageStatus s) => byStatus.FirstOrDefault(g => g.Key == s)?.N ?? 0;
        Assert.Equal(byStatus.Sum(g => g.N), batch.Total);
        Assert.Equal(
            (Of(MessageStatus.Pending), Of(MessageStatus.Sending), Of(MessageStatus.Sent), Of(MessageStatus.Delivered), Of(MessageStatus.Failed), Of(MessageStatus.Suppressed)),
            (batch.Pending, batch.Sending, batch.Sent, batch.Delivered, batch.Failed, batch.Suppressed));
    }
}
