using System.Net;
using System.Text.Json;
using CommsConsole.Data;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Audiences;

/// <summary>A person's rights over their data: the JSON export and the erasure, with the audit trail of both.</summary>
[Collection(AppCollection.Name)]
public sealed class ContactPrivacyTests(SharedApp app)
{
    private const string Erased = MessageLedger.ErasedMarker;

    [Fact]
    public async Task Export_HoldsTheContactListsConsentAndEveryMessageToItsAddresses_AndIsAudited()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Admin, tenant);
        var id = await client.UpsertContactAsync(new { phone = "13800139001", email = "Zhang.San@Example.com", name = "张三 <b>", tags = new[] { "vip" }, attributes = new { city = "上海" } });
        await client.UpsertContactAsync(new { phone = "13800139002" });
        var list = await client.CreateListAsync("Newsletter");
        await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { id } });
        await client.PostAsync($"/communication/contacts/{id}/consent", new { channel = "email", subscribed = false, how = "form" });
        // The number written another way, and the email with its local part as the sender typed it.
        await client.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "Your code is 4242", recipients = new[] { "+86 138-0013-9001", "13800139002" } });
        await client.PostAsync("/communication/bulk", new { channel = "email", purpose = "transactional", subject = "Receipt", content = "Thanks, Zhang", recipients = new[] { "Zhang.San@example.com" } });

        var (status, export) = await client.GetJsonAsync($"/communication/contacts/{id}/export");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("张三 <b>", "13800139001", "zhang.san@example.com"), (export.GetProperty("contact").Str("name"), export.GetProperty("contact").Str("phone"), export.GetProperty("contact").Str("email")));
        Assert.Equal("上海", export.GetProperty("contact").GetProperty("attributes").Str("city"));
        Assert.Equal(["vip"], export.GetProperty("contact").GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["Newsletter"], export.GetProperty("lists").EnumerateArray().Select(l => l.Str("name")));
        var consent = Assert.Single(export.GetProperty("consent_history").EnumerateArray());
        Assert.Equal(("email", false, "form"), (consent.Str("channel"), consent.GetProperty("subscribed").GetBoolean(), consent.Str("how")));
        var messages = export.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, export.Int("message_count"));
        Assert.Equal(["Thanks, Zhang", "Your code is 4242"], messages.Select(m => m.Str("content")).Order(StringComparer.Ordinal));
        Assert.All(messages, m => Assert.False(string.IsNullOrEmpty(m.Str("status"))));
        Assert.Equal("Receipt", messages.Single(m => m.Str("channel") == "email").Str("subject"));

        var (_, audit) = await client.GetJsonAsync("/communication/audit");
        var row = Assert.Single(audit.GetProperty("items").EnumerateArray());
        Assert.Equal(("contact.export", $"contact:{id}", tenant), (row.Str("action"), row.Str("target"), row.Str("tenant_id")));
    }

    [Fact]
    public async Task Export_OfThousandsOfMessages_StreamsEveryOne_InOrder()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Admin, tenant);
        var id = await client.UpsertContactAsync(new { phone = "13800139005" });
        var batch = await PendingBatchAsync(tenant, userId, Enumerable.Repeat("13800139005", 2_345).Append("13800139006").ToArray());

        var (status, export) = await client.GetJsonAsync($"/communication/contacts/{id}/export");

        Assert.Equal(HttpStatusCode.OK, status);
        var messages = export.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal((2_345, 2_345), (export.Int("message_count"), messages.Count));
        Assert.All(messages, m => Assert.Equal((batch, "13800139005", "pending"), (m.Long("batch_id"), m.Str("recipient"), m.Str("status"))));
        Assert.Equal(messages.Select(m => m.Long("id")).Order(), messages.Select(m => m.Long("id")));
    }

    [Fact]
    public async Task TwentyExportsAtOnce_AllAnswer_AndEachIsAudited()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await client.UpsertContactAsync(new { phone = "13800139011" });
        await client.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "Hello", recipients = new[] { "13800139011" } });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetJsonAsync($"/communication/contacts/{id}/export")));

        Assert.All(answers, a => Assert.Equal((HttpStatusCode.OK, 1), (a.Status, a.Body.Int("message_count"))));
        using var db = app.Db();
        Assert.Equal(20, await db.AuditEvents.CountAsync(e => e.TenantId == tenant && e.Action == "contact.export"));
    }

    [Fact]
    public async Task Erase_LeavesNoTraceOfTheAddressOrContent_KeepsBatchCounts_CancelsPending_AndLeavesAnotherTenantAlone()
    {
        var (tenant, otherTenant) = (await app.CreateTenantAsync(), await app.CreateTenantAsync());
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        var (them, _) = await app.UserAsync(Roles.Marketer, otherTenant);
        const string Phone = "13800139021", Email = "li.si@example.com";
        var id = await client.UpsertContactAsync(new { phone = Phone, email = Email, name = "Li Si", tags = new[] { "vip" } });
        var theirs = await them.UpsertContactAsync(new { phone = Phone, email = Email, name = "Li Si" });
        var list = await client.CreateListAsync("Friends");
        await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { id } });
        await client.PostAsync($"/communication/contacts/{id}/consent", new { channel = "email", subscribed = true, how = "double_opt_in", note = "confirmed Li Si" });
        await client.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "Secret for Li Si", recipients = new[] { Phone } });
        await client.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "Hello Wang", recipients = new[] { "13800139022" } });
        await client.PostAsync("/communication/bulk", new { channel = "email", purpose = "transactional", subject = "For Li Si", content = "Secret mail", recipients = new[] { "Li.Si@example.com" } });
        await them.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "Their secret", recipients = new[] { Phone } });
        await app.WaitUntilAsync(async db => !await db.Messages.AnyAsync(m => (m.TenantId == tenant || m.TenantId == otherTenant)
            && (m.Status == MessageStatus.Pending || m.Status == MessageStatus.Sending)), because: "the sends finish");
        // A message still waiting to go out (due in a day) to the person, beside one to someone else in the same batch.
        var pendingBatch = await PendingBatchAsync(tenant, userId, Phone, "13800139023");
        await using (var seed = app.Db())
        {
            // A reply the person sent, as the SUBHOOK mo event records it.
            seed.InboundReplies.Add(new InboundReply { TenantId = tenant, Phone = Phone, Content = "Thanks, Li Si here", ReceivedAt = DateTimeOffset.UtcNow, Raw = $$"""{"address":"{{Phone}}"}""" });
            await seed.SaveChangesAsync();
        }

        var (status, body) = await client.DeleteJsonAsync($"/communication/contacts/{id}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((3, 1), (body.Int("messages_anonymised"), body.Int("pending_cancelled")));
        using var db = app.Db();
        Assert.False(await db.Contacts.AnyAsync(c => c.Id == id));
        Assert.False(await db.ContactTags.AnyAsync(t => t.ContactId == id));
        Assert.False(await db.ContactListMembers.AnyAsync(m => m.ContactId == id));
        var mine = await db.Messages.Where(m => m.TenantId == tenant).ToListAsync();
        Assert.DoesNotContain(mine, m => m.Recipient.Contains("139021") || m.Recipient.Contains("li.si", StringComparison.OrdinalIgnoreCase)
            || m.Content.Contains("Li Si") || m.Content.Contains("Secret") || (m.Subject ?? "").Contains("Li Si") || (m.Response ?? "").Contains("139021"));
        Assert.Equal(3, mine.Count(m => m.Recipient == Erased && m.Content == Erased));
        Assert.Equal(MessageStatus.Cancelled, mine.Single(m => m.BatchId == pendingBatch && m.Recipient == Erased).Status);
        Assert.Equal(MessageStatus.Pending, mine.Single(m => m.BatchId == pendingBatch && m.Recipient == "13800139023").Status);
        Assert.Contains(mine, m => m.Recipient == "13800139022" && m.Content == "Hello Wang");
        Assert.False(await db.ConsentEvents.AnyAsync(e => e.TenantId == tenant && (e.Address == Phone || e.Address == Email || (e.Note ?? "").Contains("Li Si"))));
        Assert.True(await db.ConsentEvents.AnyAsync(e => e.TenantId == tenant && e.Address == Erased));
        Assert.False(await db.InboundReplies.AnyAsync(r => r.TenantId == tenant && (r.Phone == Phone || r.Content.Contains("Li Si") || r.Raw.Contains(Phone))));
        var mineIds = mine.Select(m => m.Id).ToList();
        Assert.False(await db.MessageAttempts.AnyAsync(a => mineIds.Contains(a.MessageId) && a.Response != null && a.Response.Contains(Phone)));
        foreach (var batch in await db.Batches.Where(b => b.TenantId == tenant).ToListAsync())
        {
            var rows = mine.Where(m => m.BatchId == batch.Id).ToList();
            Assert.Equal(rows.Count, batch.Total);
            Assert.Equal((rows.Count(m => m.Status == MessageStatus.Pending), rows.Count(m => m.Status == MessageStatus.Cancelled),
                    rows.Count(m => m.Status is MessageStatus.Sent or MessageStatus.Delivered), rows.Count(m => m.Status == MessageStatus.Failed)),
                (batch.Pending, batch.Cancelled, batch.Sent + batch.Delivered, batch.Failed));
        }
        // The other tenant's person with the same address is untouched.
        Assert.Equal("Li Si", (await db.Contacts.SingleAsync(c => c.Id == theirs)).Name);
        Assert.Equal("Their secret", (await db.Messages.SingleAsync(m => m.TenantId == otherTenant)).Content);
        Assert.Equal(Phone, (await db.Messages.SingleAsync(m => m.TenantId == otherTenant)).Recipient);
        var audit = await db.AuditEvents.SingleAsync(e => e.TenantId == tenant && e.Action == "contact.erase");
        Assert.Equal(($"contact:{id}", userId), (audit.Target, audit.UserId));
        Assert.DoesNotContain("139021", audit.Detail);
        Assert.DoesNotContain("Li Si", audit.Detail);
        // Gone for every face: the API, and the dispatcher (the cancelled row is never claimed).
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetJsonAsync($"/communication/contacts/{id}")).Status);
    }

    [Fact]
    public async Task AnErasedPersonWhoOptedOut_StaysSuppressed_AndIsNotSentTo()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await client.UpsertContactAsync(new { phone = "13800139031" });
        await client.PostAsync($"/communication/contacts/{id}/consent", new { channel = "sms", subscribed = false, how = "reply_keyword", note = "texted TD from home" });

        var (status, body) = await client.DeleteJsonAsync($"/communication/contacts/{id}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.Int("opt_outs_kept"));
        using (var db = app.Db())
        {
            var optOut = await db.Suppressions.SingleAsync(s => s.TenantId == tenant);
            Assert.Equal(("13800139031", null, null), (optOut.Address, optOut.RemovedAt, optOut.Note));
        }
        var (_, bulk) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Sale", recipients = new[] { "+86 13800139031" } });
        Assert.Equal("suppressed", bulk.GetProperty("items")[0].Str("status"));
        // Posted again (a new import, say), the person shows as unsubscribed at once.
        var again = await client.UpsertContactAsync(new { phone = "13800139031" });
        var (_, contact) = await client.GetJsonAsync($"/communication/contacts/{again}");
        Assert.False(contact.Consent("sms").GetProperty("subscribed").GetBoolean());
    }

    [Fact]
    public async Task TwentyErasesOfOneContact_AtOnce_OneErases_TheOthersAre404_NoneFails()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Admin, tenant);
        var id = await client.UpsertContactAsync(new { phone = "13800139041", email = "race@example.com" });
        await client.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "Hi", recipients = new[] { "13800139041" } });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.DeleteJsonAsync($"/communication/contacts/{id}")));

        Assert.Equal(1, answers.Count(a => a.Status == HttpStatusCode.OK));
        Assert.Equal(19, answers.Count(a => a.Status == HttpStatusCode.NotFound));
        using var db = app.Db();
        Assert.Equal(1, await db.AuditEvents.CountAsync(e => e.TenantId == tenant && e.Action == "contact.erase"));
        Assert.False(await db.Messages.AnyAsync(m => m.TenantId == tenant && m.Recipient == "13800139041"));
    }

    [Fact]
    public async Task TheAuditTrail_IsForAdminsAndAuditorsOfTheTenant_Paged()
    {
        var (tenant, otherTenant) = (await app.CreateTenantAsync(), await app.CreateTenantAsync());
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (auditor, _) = await app.UserAsync(Roles.Auditor, tenant);
        var (integrator, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (them, _) = await app.UserAsync(Roles.Admin, otherTenant);
        var ids = new List<long>();
        for (var i = 0; i < 3; i++) ids.Add(await marketer.UpsertContactAsync(new { phone = $"1380013905{i}" }));
        foreach (var id in ids) Assert.Equal(HttpStatusCode.OK, (await marketer.DeleteJsonAsync($"/communication/contacts/{id}")).Status);
        await them.UpsertContactAsync(new { phone = "13800139059" });

        var (ok, page) = await auditor.GetJsonAsync("/communication/audit?page=2&page_size=2");

        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal(3, page.Int("total"));
        Assert.Equal($"contact:{ids[0]}", Assert.Single(page.GetProperty("items").EnumerateArray()).Str("target"));
        Assert.Equal(HttpStatusCode.Forbidden, (await marketer.GetJsonAsync("/communication/audit")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await integrator.GetJsonAsync("/communication/audit")).Status);
        Assert.Equal(0, (await them.GetJsonAsync("/communication/audit")).Body.Int("total"));
        Assert.Equal(HttpStatusCode.BadRequest, (await auditor.GetJsonAsync("/communication/audit?page_size=101")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await auditor.GetJsonAsync("/communication/audit?page=２")).Status);
    }

    /// <summary>A batch written through the ledger whose rows are due in a day, so that they stay pending during the test.</summary>
    private async Task<long> PendingBatchAsync(string tenant, string userId, params string[] recipients)
    {
        var now = DateTimeOffset.UtcNow;
        var rows = await app.WithAsync<MessageLedger, List<Message>>(l => l.InsertBatchAsync(
            new Batch { TenantId = tenant, UserId = userId, Channel = Channel.Sms, Purpose = Purpose.Transactional, Source = "test", CreatedAt = now },
            new Message { TenantId = tenant, UserId = userId, Channel = Channel.Sms, Purpose = Purpose.Transactional, Recipient = "", Content = "", CreatedAt = now, NextAttemptAt = now.AddDays(1) },
            recipients.Select(r => new MessageLedger.NewMessage(r, "Your reminder", 1)).ToList(), CancellationToken.None));
        return rows[0].BatchId;
    }
}
