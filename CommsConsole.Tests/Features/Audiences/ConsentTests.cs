using System.Net;
using CommsConsole.Data;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Audiences;

/// <summary>A contact's consent and the opt-out list are one record: a change on either side is the same change on the other.</summary>
[Collection(AppCollection.Name)]
public sealed class ConsentTests(SharedApp app)
{
    [Fact]
    public async Task UnsubscribingAContact_PutsItsNumberOnTheOptOutList_AndRecordsIt()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, marketerId) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await client.UpsertContactAsync(new { phone = "13800138501", email = "p@example.com" });

        var (status, contact) = await client.PostAsync($"/communication/contacts/{id}/consent", new { channel = "sms", subscribed = false, how = "form", note = "asked at the counter" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(contact.Consent("sms").GetProperty("subscribed").GetBoolean());
        Assert.Equal("form", contact.Consent("sms").Str("how"));
        Assert.True(contact.Consent("email").GetProperty("subscribed").GetBoolean());
        var admin = await app.AdminCallerAsync(tenant);
        var list = await app.WithAsync<SuppressionService, CommsConsole.Features.Common.Result<CommsConsole.Features.Common.Page<Suppression>>>(
            s => s.ListAsync(admin, new SuppressionFilter(), CancellationToken.None));
        var optOut = Assert.Single(list.Value!.Items);
        Assert.Equal((Channel.Sms, "13800138501", SuppressionReason.Form, marketerId), (optOut.Channel, optOut.Address, optOut.Reason, optOut.CreatedBy));

        // A marketing send to the contact's number is now suppressed, as for any opt-out.
        var (_, bulk) = await client.PostAsync("/communication/bulk", new { channel = "sms", content = "【Shop】Sale", recipients = new[] { "+8613800138501" } });
        Assert.Equal("suppressed", bulk.GetProperty("items")[0].Str("status"));

        var (_, history) = await client.GetJsonAsync($"/communication/contacts/{id}/consent");
        var entry = Assert.Single(history.GetProperty("items").EnumerateArray());
        Assert.Equal(("sms", false, "form", "asked at the counter", marketerId), (entry.Str("channel"), entry.GetProperty("subscribed").GetBoolean(), entry.Str("how"), entry.Str("note"), entry.Str("by")));
    }

    [Fact]
    public async Task AnOptOutAddedOnTheList_ShowsOnTheContact_WithItsHistory_AndLiftingItShowsToo()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await client.UpsertContactAsync(new { phone = "13800138502", email = "Opt.Out@Example.com" });

        await app.SuppressAsync(tenant, Channel.Sms, "+86 138 0013 8502");
        // Clicked in an email: the unsubscribe link's path adds the lower-cased address.
        await app.WithAsync<SuppressionService, bool>(s => s.AddAsync(tenant, Channel.Email, "opt.out@example.com", SuppressionReason.UnsubscribeLink, null, "unsubscribe link", CancellationToken.None));

        var (_, contact) = await client.GetJsonAsync($"/communication/contacts/{id}");
        Assert.False(contact.Consent("sms").GetProperty("subscribed").GetBoolean());
        Assert.Equal("admin", contact.Consent("sms").Str("how"));
        Assert.False(contact.Consent("email").GetProperty("subscribed").GetBoolean());
        Assert.Equal("unsubscribe_link", contact.Consent("email").Str("how"));
        var (_, inList) = await client.GetJsonAsync("/communication/contacts?q=13800138502");
        Assert.False(inList.GetProperty("items")[0].Consent("sms").GetProperty("subscribed").GetBoolean());

        // The Admin lifts the SMS opt-out on the list; the contact is subscribed again and both changes are in its history.
        var admin = await app.AdminCallerAsync(tenant);
        using (var db = app.Db())
        {
            var row = await db.Suppressions.SingleAsync(s => s.TenantId == tenant && s.Channel == Channel.Sms);
            var removed = await app.WithAsync<SuppressionService, CommsConsole.Features.Common.Result<bool>>(s => s.RemoveAsync(admin, row.Id, "asked to rejoin", CancellationToken.None));
            Assert.True(removed.IsOk);
        }
        var (_, after) = await client.GetJsonAsync($"/communication/contacts/{id}");
        Assert.True(after.Consent("sms").GetProperty("subscribed").GetBoolean());
        var (_, history) = await client.GetJsonAsync($"/communication/contacts/{id}/consent");
        Assert.Equal([("sms", true, "admin"), ("email", false, "unsubscribe_link"), ("sms", false, "admin")],
            history.GetProperty("items").EnumerateArray().Select(e => (e.Str("channel"), e.GetProperty("subscribed").GetBoolean(), e.Str("how"))));
    }

    [Fact]
    public async Task LiftingAnOptOut_IsAnAdminsDecision_ButAMarketerMayRecordAConsent()
    {
        var tenant = await app.CreateTenantAsync();
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (admin, adminId) = await app.UserAsync(Roles.Admin, tenant);
        var id = await marketer.UpsertContactAsync(new { phone = "13800138503", email = "c@example.com" });
        var (_, recorded) = await marketer.PostAsync($"/communication/contacts/{id}/consent", new { channel = "email", subscribed = true, how = "double_opt_in" });
        Assert.Equal("double_opt_in", recorded.Consent("email").Str("how"));
        await marketer.PostAsync($"/communication/contacts/{id}/consent", new { channel = "sms", subscribed = false, how = "reply_keyword" });

        var (refused, error) = await marketer.PostAsync($"/communication/contacts/{id}/consent", new { channel = "sms", subscribed = true, how = "form" });
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Contains("Admin", error.Str("message"));
        var (lifted, contact) = await admin.PostAsync($"/communication/contacts/{id}/consent", new { channel = "sms", subscribed = true, how = "admin" });
        Assert.Equal(HttpStatusCode.OK, lifted);
        Assert.True(contact.Consent("sms").GetProperty("subscribed").GetBoolean());

        using var db = app.Db();
        var row = await db.Suppressions.SingleAsync(s => s.TenantId == tenant);
        Assert.Equal(adminId, row.RemovedBy);
        Assert.Equal(3, await db.ConsentEvents.CountAsync(e => e.TenantId == tenant));
    }

    [Fact]
    public async Task TwentyUnsubscribes_AtOnce_MakeOneOptOut_AndOneHistoryEntry()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await client.UpsertContactAsync(new { phone = "13800138504" });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            client.PostAsync($"/communication/contacts/{id}/consent", new { channel = "sms", subscribed = false })));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        using var db = app.Db();
        Assert.Equal(1, await db.Suppressions.CountAsync(s => s.TenantId == tenant));
        Assert.Equal(1, await db.ConsentEvents.CountAsync(e => e.TenantId == tenant));
    }
}
