using System.Net;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Audiences;

[Collection(AppCollection.Name)]
public sealed class ContactUpsertTests(SharedApp app)
{
    [Fact]
    public async Task OnePhone_WrittenThreeWays_IsOneContact_UpdatedNotDuplicated()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);

        var (first, created) = await client.PostAsync("/communication/contacts", new { phone = "+86 138-0013-8000", name = "Li Lei", attributes = new { city = "Shanghai", age = 31 }, tags = new[] { "VIP" } });
        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(("13800138000", "Li Lei", "api"), (created.Str("phone"), created.Str("name"), created.Str("source")));
        var id = created.Long("id");

        var (second, plain) = await client.PostAsync("/communication/contacts", new { phone = "13800138000", attributes = new { age = 32, vip_since = "2026-01-05" }, tags = new[] { "ｖｉｐ", "buyer" } });
        Assert.Equal(HttpStatusCode.OK, second);
        Assert.Equal(id, plain.Long("id"));
        var (third, wide) = await client.PostAsync("/communication/contacts", new { phone = "１３８００１３８０００", email = "Li.Lei@Example.COM" });
        Assert.Equal(HttpStatusCode.OK, third);
        Assert.Equal(id, wide.Long("id"));

        var (_, contact) = await client.GetJsonAsync($"/communication/contacts/{id}");
        // Left out: kept; attributes: merged; tags: added, one form whatever the width or case.
        Assert.Equal("Li Lei", contact.Str("name"));
        Assert.Equal("li.lei@example.com", contact.Str("email"));
        var attributes = contact.GetProperty("attributes");
        Assert.Equal(("Shanghai", 32, "2026-01-05"), (attributes.Str("city"), attributes.Int("age"), attributes.Str("vip_since")));
        Assert.Equal(["buyer", "vip"], contact.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        // The email alone finds the same person too.
        var (_, byEmail) = await client.PostAsync("/communication/contacts", new { email = "LI.LEI@example.com", attributes = new { city = (string?)null } });
        Assert.Equal(id, byEmail.Long("id"));
        Assert.False(byEmail.GetProperty("attributes").TryGetProperty("city", out _));

        using var db = app.Db();
        Assert.Equal(1, await db.Contacts.CountAsync(c => c.TenantId == tenant));
    }

    [Fact]
    public async Task TwentyIdenticalUpserts_AtOnce_MakeOneContact()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            client.PostAsync("/communication/contacts", new { phone = i % 2 == 0 ? "13800138111" : "+86 138 0013 8111", email = "same@example.com", name = "Same", tags = new[] { "x" } })));

        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"{a.Status}: {a.Body}"));
        Assert.Single(answers.Select(a => a.Body.Long("id")).Distinct());
        Assert.Equal(1, answers.Count(a => a.Status == HttpStatusCode.Created));
        using var db = app.Db();
        var contacts = await db.Contacts.Include(c => c.Tags).Where(c => c.TenantId == tenant).ToListAsync();
        Assert.Single(contacts);
        Assert.Equal(["x"], contacts[0].Tags.Select(t => t.Tag));
    }

    [Fact]
    public async Task PhoneOfOneContact_AndEmailOfAnother_IsAConflict_NotAMerge()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var a = await client.UpsertContactAsync(new { phone = "13800138201" });
        var b = await client.UpsertContactAsync(new { email = "b@example.com" });

        var (status, body) = await client.PostAsync("/communication/contacts", new { phone = "13800138201", email = "b@example.com" });

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains($"contact {a}", body.Str("message"));
        Assert.Contains($"contact {b}", body.Str("message"));
        using var db = app.Db();
        Assert.Null((await db.Contacts.SingleAsync(c => c.Id == a)).Email);
    }

    [Fact]
    public async Task Put_ReplacesTheContact_AndRefusesAnotherContactsAddress()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await client.UpsertContactAsync(new { phone = "13800138301", name = "Old", attributes = new { a = 1 }, tags = new[] { "t1" } });
        await client.UpsertContactAsync(new { email = "taken@example.com" });

        var (status, body) = await client.PutAsync($"/communication/contacts/{id}", new { email = "new@example.com", tags = new[] { "t2" } });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKindNull, body.GetProperty("phone").ValueKind);
        Assert.Equal(JsonValueKindNull, body.GetProperty("name").ValueKind);
        Assert.Equal(["t2"], body.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Empty(body.GetProperty("attributes").EnumerateObject());

        var (taken, error) = await client.PutAsync($"/communication/contacts/{id}", new { email = "TAKEN@example.com" });
        Assert.Equal(HttpStatusCode.Conflict, taken);
        Assert.StartsWith("email:", error.Str("message"));

        var (deleted, _) = await client.DeleteJsonAsync($"/communication/contacts/{id}");
        Assert.Equal(HttpStatusCode.OK, deleted);
        var (gone, _) = await client.GetJsonAsync($"/communication/contacts/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone);
    }

    [Fact]
    public async Task Search_FindsByNameEmailTagAndANumberWrittenAnyWay_ServerSidePaged()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        for (var i = 0; i < 25; i++) await client.UpsertContactAsync(new { phone = $"138001384{i:00}", name = $"Person {i}", tags = i % 5 == 0 ? new[] { "gold" } : [] });
        await client.UpsertContactAsync(new { email = "wang.fang@example.com", name = "Wang Fang" });

        var (_, page2) = await client.GetJsonAsync("/communication/contacts?page=2&page_size=10");
        Assert.Equal((26, 10, 2), (page2.Int("total"), page2.GetProperty("items").GetArrayLength(), page2.GetProperty("pagination").Int("page")));
        var (_, byName) = await client.GetJsonAsync("/communication/contacts?q=wang");
        Assert.Equal("wang.fang@example.com", Assert.Single(byName.GetProperty("items").EnumerateArray()).Str("email"));
        var (_, byNumber) = await client.GetJsonAsync("/communication/contacts?q=" + Uri.EscapeDataString("+86 138-0013-8407"));
        Assert.Equal("Person 7", Assert.Single(byNumber.GetProperty("items").EnumerateArray()).Str("name"));
        var (_, byTag) = await client.GetJsonAsync("/communication/contacts?tag=GOLD");
        Assert.Equal(5, byTag.Int("total"));
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
