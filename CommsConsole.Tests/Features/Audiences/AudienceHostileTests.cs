using System.Net;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Audiences;

/// <summary>Callers who try another tenant's ids, bad attributes, oversized or marked-up values, or a role that only reads.</summary>
[Collection(AppCollection.Name)]
public sealed class AudienceHostileTests(SharedApp app)
{
    [Fact]
    public async Task AnotherTenantsContactAndList_AreNotFound_AndNothingIsWritten()
    {
        var (mine, theirs) = (await app.CreateTenantAsync(), await app.CreateTenantAsync());
        var (me, _) = await app.UserAsync(Roles.Admin, mine);
        var (them, _) = await app.UserAsync(Roles.Marketer, theirs);
        var contact = await them.UpsertContactAsync(new { phone = "13800138601", name = "Theirs" });
        var list = await them.CreateListAsync("Their list");
        var myContact = await me.UpsertContactAsync(new { phone = "13800138602" });
        var myList = await me.CreateListAsync("My list");

        var answers = new[]
        {
            await me.GetJsonAsync($"/communication/contacts/{contact}"),
            await me.PutAsync($"/communication/contacts/{contact}", new { phone = "13800138603" }),
            await me.DeleteJsonAsync($"/communication/contacts/{contact}"),
            await me.PostAsync($"/communication/contacts/{contact}/consent", new { channel = "sms", subscribed = false }),
            await me.GetJsonAsync($"/communication/contacts/{contact}/consent"),
            await me.GetJsonAsync($"/communication/lists/{list}"),
            await me.PutAsync($"/communication/lists/{list}", new { name = "Mine now" }),
            await me.DeleteJsonAsync($"/communication/lists/{list}"),
            await me.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { myContact } }),
            await me.SendJsonAsync(HttpMethod.Patch, $"/communication/contacts/{contact}", new { name = "Mine now" }),
            await me.GetJsonAsync($"/communication/contacts/{contact}/export"),
            await me.DeleteJsonAsync($"/communication/lists/{list}/contacts/{contact}"),
            // Their contact into my list: refused as missing, and my contact stays out too.
            await me.PostAsync($"/communication/lists/{myList}/contacts", new { contact_ids = new[] { myContact, contact } }),
            await me.GetJsonAsync($"/communication/contacts?list_id={list}"),
        };

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.NotFound, a.Status));
        Assert.All(answers, a => Assert.Equal(404, a.Body.Int("code")));
        var (_, page) = await me.GetJsonAsync("/communication/contacts");
        Assert.DoesNotContain(page.GetProperty("items").EnumerateArray(), c => c.Long("id") == contact);
        using var db = app.Db();
        var theirContact = await db.Contacts.SingleAsync(c => c.Id == contact);
        Assert.Equal(("13800138601", "Theirs"), (theirContact.Phone, theirContact.Name));
        Assert.Equal("Their list", (await db.ContactLists.SingleAsync(l => l.Id == list)).Name);
        Assert.False(await db.ContactListMembers.AnyAsync(m => m.ListId == myList || m.ListId == list));
        Assert.False(await db.Suppressions.AnyAsync(s => s.TenantId == mine || s.TenantId == theirs));
    }

    [Theory]
    [InlineData("""{"phone":"13800138611","attributes":["a","b"]}""", "attributes: must be a JSON object")]
    [InlineData("""{"phone":"13800138611","attributes":"city=Shanghai"}""", "attributes: must be a JSON object")]
    [InlineData("""{"phone":"13800138611","attributes":{"address":{"city":"Shanghai"}}}""", "attributes: 'address' holds an object")]
    [InlineData("""{"phone":"13800138611","attributes":{"cities":["Shanghai"]}}""", "attributes: 'cities' holds an array")]
    [InlineData("""{"phone":"13800138611","tags":["ok","\u0001"]}""", "tags:")]
    [InlineData("""{"phone":"13800138611","name":"a\u0000b"}""", "name:")]
    [InlineData("""{"phone":"13800١٣٨611"}""", "phone: ")]
    [InlineData("""{"phone":"not a number"}""", "phone: ")]
    [InlineData("""{"email":"<script>@example.com"}""", "email: ")]
    [InlineData("""{"name":"Nobody"}""", "phone: a phone number or an email address is required")]
    [InlineData("""{"phone":13800138611}""", "phone ")]
    public async Task BadContacts_Are400NamingTheField_AndNothingIsWritten(string json, string expected)
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);

        var (status, body) = await client.PostRawAsync("/communication/contacts", json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, body.Str("message"));
        using var db = app.Db();
        Assert.False(await db.Contacts.AnyAsync(c => c.TenantId == tenant));
    }

    [Fact]
    public async Task OversizeNameAttributesAndTags_Are400()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var many = Enumerable.Range(0, 51).ToDictionary(i => $"k{i}", i => (object)i);
        var huge = Enumerable.Range(0, 20).ToDictionary(i => $"k{i}", _ => (object)new string('x', 999));

        var answers = new[]
        {
            await client.PostAsync("/communication/contacts", new { phone = "13800138621", name = new string('n', 201) }),
            await client.PostAsync("/communication/contacts", new { phone = "13800138621", attributes = many }),
            await client.PostAsync("/communication/contacts", new { phone = "13800138621", attributes = huge }),
            await client.PostAsync("/communication/contacts", new { phone = "13800138621", attributes = new Dictionary<string, object> { ["v"] = new string('x', 1001) } }),
            await client.PostAsync("/communication/contacts", new { phone = "13800138621", attributes = new Dictionary<string, object> { [new string('k', 65)] = 1 } }),
            await client.PostAsync("/communication/contacts", new { phone = "13800138621", tags = Enumerable.Range(0, 51).Select(i => $"t{i}").ToArray() }),
            await client.PostAsync("/communication/contacts", new { phone = "13800138621", tags = new[] { new string('t', 65) } }),
            await client.PostAsync("/communication/lists", new { name = new string('l', 101) }),
            await client.PostAsync("/communication/lists", new { name = "  " }),
        };

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.Status));
        using var db = app.Db();
        Assert.False(await db.Contacts.AnyAsync(c => c.TenantId == tenant));
        Assert.False(await db.ContactLists.AnyAsync(l => l.TenantId == tenant));
    }

    [Fact]
    public async Task MarkupInNamesAndAttributes_IsStoredAndAnsweredAsText()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        const string Markup = "<img src=x onerror=alert(1)>{{ secret }}";

        var id = await client.UpsertContactAsync(new { email = "m@example.com", name = Markup, attributes = new Dictionary<string, object> { ["<b>"] = Markup }, tags = new[] { "<i>t</i>" } });
        var listId = await client.CreateListAsync(Markup);

        var (_, contact) = await client.GetJsonAsync($"/communication/contacts/{id}");
        Assert.Equal(Markup, contact.Str("name"));
        Assert.Equal(Markup, contact.GetProperty("attributes").Str("<b>"));
        Assert.Equal("<i>t</i>", contact.GetProperty("tags")[0].GetString());
        var (_, list) = await client.GetJsonAsync($"/communication/lists/{listId}");
        Assert.Equal(Markup, list.Str("name"));
    }

    [Fact]
    public async Task AnAuditorReads_ButNeitherWritesContactsNorLists_AndAnIntegratorOnlyUpserts()
    {
        var tenant = await app.CreateTenantAsync();
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (auditor, _) = await app.UserAsync(Roles.Auditor, tenant);
        var (integrator, _) = await app.UserAsync(Roles.Integrator, tenant);
        var id = await marketer.UpsertContactAsync(new { phone = "13800138631" });
        var list = await marketer.CreateListAsync("Readers");

        Assert.Equal(HttpStatusCode.OK, (await auditor.GetJsonAsync($"/communication/contacts/{id}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await auditor.GetJsonAsync("/communication/lists")).Status);
        var refused = new[]
        {
            await auditor.PostAsync("/communication/contacts", new { phone = "13800138632" }),
            await auditor.PutAsync($"/communication/contacts/{id}", new { phone = "13800138631", name = "x" }),
            await auditor.DeleteJsonAsync($"/communication/contacts/{id}"),
            await auditor.PostAsync($"/communication/contacts/{id}/consent", new { channel = "sms", subscribed = false }),
            await auditor.PostAsync("/communication/lists", new { name = "Mine" }),
            await auditor.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { id } }),
            await auditor.SendJsonAsync(HttpMethod.Patch, $"/communication/contacts/{id}", new { name = "x" }),
            await integrator.DeleteJsonAsync($"/communication/contacts/{id}"),
            await integrator.PostAsync("/communication/lists", new { name = "Mine" }),
        };
        Assert.All(refused, a => Assert.Equal(HttpStatusCode.Forbidden, a.Status));
        Assert.Equal(HttpStatusCode.Created, (await integrator.PostAsync("/communication/contacts", new { phone = "13800138633" })).Status);
    }

    [Fact]
    public async Task IdsInOtherScripts_OrNotNumbers_AreNotEndpoints_AndQueryNumbersAreChecked()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await client.UpsertContactAsync(new { phone = "13800138641" });
        var wide = string.Concat(id.ToString().Select(c => (char)(c - '0' + '０')));

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetJsonAsync($"/communication/contacts/{wide}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetJsonAsync("/communication/contacts/abc")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetJsonAsync($"/communication/contacts/{wide}/export")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteJsonAsync($"/communication/contacts/{wide}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendJsonAsync(HttpMethod.Patch, $"/communication/contacts/{wide}", new { name = "x" })).Status);
        var list = await client.CreateListAsync("Scripts");
        await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { id } });
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteJsonAsync($"/communication/lists/{list}/contacts/{wide}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetJsonAsync("/communication/contacts/export?list_id=%EF%BC%91")).Status);
        using (var db = app.Db())
        {
            Assert.True(await db.Contacts.AnyAsync(c => c.Id == id));
            Assert.True(await db.ContactListMembers.AnyAsync(m => m.ListId == list && m.ContactId == id));
        }
        var (size, body) = await client.GetJsonAsync("/communication/contacts?page_size=101");
        Assert.Equal(HttpStatusCode.BadRequest, size);
        Assert.StartsWith("page_size:", body.Str("message"));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetJsonAsync("/communication/contacts?list_id=-1")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync($"/communication/contacts/{id}/consent", new { channel = "fax", subscribed = false })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync($"/communication/contacts/{id}/consent", new { channel = "sms", subscribed = false, how = "shouted" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync($"/communication/contacts/{id}/consent", new { channel = "email", subscribed = false })).Status);
    }
}
