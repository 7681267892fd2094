using System.Net;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using CsvHelper;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Audiences;

/// <summary>Issue 17's REST paths for integrators: PATCH, list contacts by id, phone or email, and the CSV export.</summary>
[Collection(AppCollection.Name)]
public sealed class ContactContractTests(SharedApp app)
{
    [Fact]
    public async Task Patch_ChangesWhatItGives_AndKeepsWhatItLeavesOut()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await client.UpsertContactAsync(new { phone = "13800139101", email = "keep@example.com", name = "Keep", tags = new[] { "a", "b" }, attributes = new { city = "Shanghai", age = 30 } });

        var (status, body) = await client.SendJsonAsync(HttpMethod.Patch, $"/communication/contacts/{id}", new { name = "Renamed", attributes = new Dictionary<string, object?> { ["age"] = null, ["vip"] = true } });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("13800139101", "keep@example.com", "Renamed"), (body.Str("phone"), body.Str("email"), body.Str("name")));
        Assert.Equal(["a", "b"], body.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("Shanghai", body.GetProperty("attributes").Str("city"));
        Assert.True(body.GetProperty("attributes").GetProperty("vip").GetBoolean());
        Assert.False(body.GetProperty("attributes").TryGetProperty("age", out _));

        var (_, cleared) = await client.SendJsonAsync(HttpMethod.Patch, $"/communication/contacts/{id}", new { phone = "", tags = new[] { "c" } });
        Assert.Equal(System.Text.Json.JsonValueKind.Null, cleared.GetProperty("phone").ValueKind);
        Assert.Equal(("keep@example.com", "Renamed"), (cleared.Str("email"), cleared.Str("name")));
        Assert.Equal(["c"], cleared.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Theory]
    [InlineData("""{"email":""}""", "phone: a phone number or an email address is required")]
    [InlineData("""{"phone":"13800١٣٩102"}""", "phone: ")]
    [InlineData("""{"name":"a\u0000b"}""", "name:")]
    [InlineData("""{"attributes":["x"]}""", "attributes: must be a JSON object")]
    [InlineData("""{"tags":["ok","\u0001"]}""", "tags:")]
    public async Task Patch_IsValidatedAsPutIs_AndWritesNothingWhenRefused(string json, string expected)
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await client.UpsertContactAsync(new { email = "only@example.com", name = "Only" });

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/communication/contacts/{id}") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
        using var db = app.Db();
        var contact = await db.Contacts.SingleAsync(c => c.Id == id);
        Assert.Equal(("only@example.com", "Only"), (contact.Email, contact.Name));
    }

    [Fact]
    public async Task TwentyPatchesAtOnce_AllApply_AndTheContactStaysOne()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await client.UpsertContactAsync(new { phone = "13800139111" });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            client.SendJsonAsync(HttpMethod.Patch, $"/communication/contacts/{id}", new { attributes = new Dictionary<string, object> { ["n"] = i } })));

        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.Conflict, a.Status.ToString()));
        Assert.Contains(answers, a => a.Status == HttpStatusCode.OK);
        using var db = app.Db();
        var contact = await db.Contacts.SingleAsync(c => c.TenantId == tenant);
        Assert.Equal("13800139111", contact.Phone);
        Assert.Matches("""^\{"n":\d+\}$""", contact.Attributes);
    }

    [Fact]
    public async Task ListContacts_AddByPhonesAndEmailsWrittenAnyWay_ReportTheUnknown_AndRemoveOneByPath()
    {
        var (tenant, otherTenant) = (await app.CreateTenantAsync(), await app.CreateTenantAsync());
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (them, _) = await app.UserAsync(Roles.Marketer, otherTenant);
        var a = await client.UpsertContactAsync(new { phone = "13800139121" });
        var b = await client.UpsertContactAsync(new { email = "b.person@example.com" });
        await them.UpsertContactAsync(new { phone = "13800139122" });
        var list = await client.CreateListAsync("By address");

        var (status, body) = await client.PostAsync($"/communication/lists/{list}/contacts", new
        {
            phones = new[] { "+86 138-0013-9121", "１３８００１３９１２１", "13800139122", "13800١٣٩121" },
            emails = new[] { "B.Person@EXAMPLE.com", "nobody@example.com" },
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((2, 2), (body.Int("changed"), body.Int("members")));
        // Another tenant's contact is as unknown as nobody; a number in another script is not a number.
        Assert.Equal(["13800139122", "13800١٣٩121", "nobody@example.com"], body.GetProperty("unknown").EnumerateArray().Select(u => u.GetString()).Order(StringComparer.Ordinal));

        var (removed, after) = await client.DeleteJsonAsync($"/communication/lists/{list}/contacts/{a}");
        Assert.Equal((HttpStatusCode.OK, 1), (removed, after.Int("members")));
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteJsonAsync($"/communication/lists/{list}/contacts/{a}")).Status);
        using var db = app.Db();
        Assert.Equal([b], await db.ContactListMembers.Where(m => m.ListId == list).Select(m => m.ContactId).ToListAsync());
    }

    [Fact]
    public async Task TwentyRemovalsOfOneMember_AtOnce_OneRemoves_TheOthersAre404()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var contact = await client.UpsertContactAsync(new { phone = "13800139131" });
        var list = await client.CreateListAsync("Race out");
        await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { contact } });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.DeleteJsonAsync($"/communication/lists/{list}/contacts/{contact}")));

        Assert.Equal(1, answers.Count(a => a.Status == HttpStatusCode.OK));
        Assert.Equal(19, answers.Count(a => a.Status == HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task CsvExport_EscapesFormulaCells_KeepsUnicode_AndHasOneColumnPerAttribute()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        await client.UpsertContactAsync(new { phone = "13800139141", name = "=HYPERLINK(\"http://evil\",\"x\")", tags = new[] { "vip" }, attributes = new { city = "上海", note = "+1 call" } });
        await client.UpsertContactAsync(new { phone = "13800139142", name = "-2+3", tags = new[] { "vip" }, attributes = new { plan = "@SUM(A1)" } });
        await client.UpsertContactAsync(new { email = "tab@example.com", name = "Tabbed 😀", tags = new[] { "vip" }, attributes = new { note = "\tinside" } });
        await client.UpsertContactAsync(new { email = "other@example.com", name = "Not vip" });

        var response = await client.GetAsync("/communication/contacts/export?tag=VIP");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        await using var reader = CsvReader.Create(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), new CsvReaderOptions { HasHeader = true }, leaveOpen: false);
        await reader.ReadHeaderAsync(CancellationToken.None);
        var header = reader.Headers.ToArray();
        var rows = new List<Dictionary<string, string>>();
        while (await reader.ReadAsync(CancellationToken.None))
        {
            rows.Add(Enumerable.Range(0, header.Length).ToDictionary(i => header[i], i => reader.GetString(i)));
        }
        Assert.Equal(["id", "phone", "email", "name", "tags", "source", "created_at", "updated_at", "city", "note", "plan"], header);
        Assert.Equal(3, rows.Count);
        var byPhone = rows.ToDictionary(r => r["phone"].Length > 0 ? r["phone"] : r["email"]);
        Assert.Equal("'=HYPERLINK(\"http://evil\",\"x\")", byPhone["13800139141"]["name"]);
        Assert.Equal(("上海", "'+1 call"), (byPhone["13800139141"]["city"], byPhone["13800139141"]["note"]));
        Assert.Equal(("'-2+3", "'@SUM(A1)"), (byPhone["13800139142"]["name"], byPhone["13800139142"]["plan"]));
        Assert.Equal(("Tabbed 😀", "'\tinside"), (byPhone["tab@example.com"]["name"], byPhone["tab@example.com"]["note"]));
        Assert.DoesNotContain(rows, r => r["name"] == "Not vip");
    }

    [Fact]
    public async Task CsvExport_OfThousandsOfContacts_StreamsEveryRow()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        await using (var db = app.Db())
        {
            var now = DateTimeOffset.UtcNow;
            db.Contacts.AddRange(Enumerable.Range(0, 1_234).Select(i => new CommsConsole.Data.Contact
            {
                TenantId = tenant, Phone = $"1390000{i:D4}", Name = $"名字 {i}", Attributes = $$"""{"n":{{i}}}""", CreatedAt = now, UpdatedAt = now, CreatedBy = userId,
            }));
            await db.SaveChangesAsync();
        }

        var text = await client.GetStringAsync("/communication/contacts/export");

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1_235, lines.Length);
        Assert.EndsWith(",n", lines[0].TrimEnd('\r'));
        Assert.Contains(lines, l => l.Contains(",13900001233,,名字 1233,") && l.TrimEnd('\r').EndsWith(",1233"));
    }

    [Fact]
    public async Task CsvExport_OfAList_HoldsItsMembers_AndAnotherTenantsListIs404()
    {
        var (tenant, otherTenant) = (await app.CreateTenantAsync(), await app.CreateTenantAsync());
        var (client, _) = await app.UserAsync(Roles.Auditor, tenant);
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (them, _) = await app.UserAsync(Roles.Marketer, otherTenant);
        var member = await marketer.UpsertContactAsync(new { phone = "13800139151" });
        await marketer.UpsertContactAsync(new { phone = "13800139152" });
        var list = await marketer.CreateListAsync("Export me");
        await marketer.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { member } });
        var theirList = await them.CreateListAsync("Theirs");

        var text = await client.GetStringAsync($"/communication/contacts/export?list_id={list}");

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"{member},13800139151,", lines[1]);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetJsonAsync($"/communication/contacts/export?list_id={theirList}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetJsonAsync("/communication/contacts/export?list_id=x")).Status);
        using var db = app.Db();
        Assert.Equal(1, await db.AuditEvents.CountAsync(e => e.TenantId == tenant && e.Action == "contacts.export"));
    }
}
