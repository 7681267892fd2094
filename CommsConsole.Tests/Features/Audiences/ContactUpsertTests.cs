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

    [Fact]
    public async Task AnArray_IsUpsertedElementByElement_ABadElementAnsweredInItsItem_AndTheOthersWritten()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);

        var (status, body) = await client.PostAsync("/communication/contacts", new object[]
        {
            new { phone = "13800150001", name = "Ann" },
            new { phone = "+86 138-0015-0001", tags = new[] { "vip" } },
            new { phone = "12345" },
            "not a contact",
            new { name = 5, phone = "13800150005" },
            new { email = "Bo@Example.com" },
        });

        Assert.Equal(HttpStatusCode.OK, status);
        var items = body.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3, 4, 5], items.Select(i => i.Int("index")));
        Assert.True(items[0].GetProperty("created").GetBoolean());
        Assert.False(items[1].GetProperty("created").GetBoolean());
        Assert.Equal(items[0].Long("id"), items[1].Long("id"));
        Assert.StartsWith("phone: '12345'", items[2].Str("error"));
        Assert.Equal("body[3]: a JSON object is required", items[3].Str("error"));
        Assert.Equal("body[4].name has the wrong type", items[4].Str("error"));
        Assert.True(items[5].GetProperty("created").GetBoolean());
        Assert.Equal((2, 1, 3), (body.Int("created"), body.Int("updated"), body.Int("failed")));

        using var db = app.Db();
        var stored = await db.Contacts.AsNoTracking().Include(c => c.Tags).Where(c => c.TenantId == tenant).OrderBy(c => c.Id).ToListAsync();
        Assert.Equal([("13800150001", null), (null, "bo@example.com")], stored.Select(c => (c.Phone, c.Email)));
        Assert.Equal("vip", Assert.Single(stored[0].Tags).Tag);
    }

    [Fact]
    public async Task AnArray_Empty_TooLong_OrFromARoleThatCannotUpsert_IsRefusedWhole_WithNothingWritten()
    {
        var tenant = await app.CreateTenantAsync();
        var (integrator, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (auditor, _) = await app.UserAsync(Roles.Auditor, tenant);

        var (empty, emptyBody) = await integrator.PostAsync("/communication/contacts", Array.Empty<object>());
        Assert.Equal((HttpStatusCode.BadRequest, "body: the array holds no contact"), (empty, emptyBody.Str("message")));
        var tooMany = Enumerable.Range(0, 1_001).Select(i => new { phone = $"1380016{i:D4}" }).ToArray();
        var (over, overBody) = await integrator.PostAsync("/communication/contacts", tooMany);
        Assert.Equal((HttpStatusCode.BadRequest, "body: at most 1000 contacts a request; import more as CSV"), (over, overBody.Str("message")));
        var (refused, _) = await auditor.PostAsync("/communication/contacts", new[] { new { phone = "13800160001" } });
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        var (scalar, _) = await integrator.PostAsync("/communication/contacts", 42);
        Assert.Equal(HttpStatusCode.BadRequest, scalar);

        using var db = app.Db();
        Assert.False(await db.Contacts.AnyAsync(c => c.TenantId == tenant));
    }

    [Fact]
    public async Task TheSameArray_TwentyTimesAtOnce_LeavesOneContactAPerson()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var people = Enumerable.Range(0, 10).Select(i => new { phone = $"1380017{i:D4}", name = $"P{i}" }).ToArray();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.PostAsync("/communication/contacts", people)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(answers, a => Assert.Equal(10, a.Body.Int("created") + a.Body.Int("updated") + a.Body.Int("failed")));
        using var db = app.Db();
        Assert.Equal(10, await db.Contacts.CountAsync(c => c.TenantId == tenant));
        // A collision with a concurrent request is answered as a conflict in its item, never as a second contact.
        var ids = answers.SelectMany(a => a.Body.GetProperty("items").EnumerateArray()).Where(i => i.Str("error") is null).Select(i => i.Long("id")).Distinct();
        Assert.Equal(10, ids.Count());
    }
}
