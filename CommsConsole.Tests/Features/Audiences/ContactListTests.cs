using System.Net;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Audiences;

[Collection(AppCollection.Name)]
public sealed class ContactListTests(SharedApp app)
{
    [Fact]
    public async Task Lists_AreCreatedRenamedFilledEmptiedAndDeleted_OverRest()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var a = await client.UpsertContactAsync(new { phone = "13800138701" });
        var b = await client.UpsertContactAsync(new { email = "b@example.com" });
        var c = await client.UpsertContactAsync(new { email = "c@example.com" });
        var list = await client.CreateListAsync("Newsletter");
        var other = await client.CreateListAsync("VIP");

        var (dup, _) = await client.PostAsync("/communication/lists", new { name = " Newsletter " });
        Assert.Equal(HttpStatusCode.Conflict, dup);
        var (added, addBody) = await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { a, b, c, a } });
        Assert.Equal(HttpStatusCode.OK, added);
        Assert.Equal((3, 3), (addBody.Int("changed"), addBody.Int("members")));
        var (_, again) = await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { a } });
        Assert.Equal((0, 3), (again.Int("changed"), again.Int("members")));
        await client.PostAsync($"/communication/lists/{other}/contacts", new { contact_ids = new[] { a } });

        var (removed, removeBody) = await client.DeleteJsonAsync($"/communication/lists/{list}/contacts/{b}");
        Assert.Equal(HttpStatusCode.OK, removed);
        Assert.Equal((1, 2), (removeBody.Int("changed"), removeBody.Int("members")));
        var (_, members) = await client.GetJsonAsync($"/communication/contacts?list_id={list}");
        Assert.Equal([a, c], members.GetProperty("items").EnumerateArray().Select(i => i.Long("id")).Order());

        var (renamed, renameBody) = await client.PutAsync($"/communication/lists/{list}", new { name = "Weekly" });
        Assert.Equal((HttpStatusCode.OK, "Weekly", 2), (renamed, renameBody.Str("name"), renameBody.Int("members")));
        var (_, lists) = await client.GetJsonAsync("/communication/lists");
        Assert.Equal(["VIP", "Weekly"], lists.GetProperty("items").EnumerateArray().Select(l => l.Str("name")));

        // Deleting a contact takes it out of its lists; deleting a list keeps its contacts.
        await client.DeleteJsonAsync($"/communication/contacts/{a}");
        Assert.Equal(0, (await client.GetJsonAsync($"/communication/lists/{other}")).Body.Int("members"));
        var (deleted, _) = await client.DeleteJsonAsync($"/communication/lists/{list}");
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetJsonAsync($"/communication/lists/{list}")).Status);
        using var db = app.Db();
        Assert.Equal(2, await db.Contacts.CountAsync(x => x.TenantId == tenant));
        Assert.False(await db.ContactListMembers.AnyAsync(m => m.ListId == list));
    }

    [Fact]
    public async Task TwentyAddsOfTheSameMember_AtOnce_KeepOneMembership()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var contact = await client.UpsertContactAsync(new { phone = "13800138711" });
        var list = await client.CreateListAsync("Race");

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { contact } })));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(1, answers.Sum(a => a.Body.Int("changed")));
        using var db = app.Db();
        Assert.Equal(1, await db.ContactListMembers.CountAsync(m => m.ListId == list));
    }

    [Fact]
    public async Task TwentyCreatesOfOneListName_AtOnce_MakeOneList_AndTheRestAreConflicts()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.PostAsync("/communication/lists", new { name = "Once" })));

        Assert.Equal(1, answers.Count(a => a.Status == HttpStatusCode.Created));
        Assert.Equal(19, answers.Count(a => a.Status == HttpStatusCode.Conflict));
        using var db = app.Db();
        Assert.Equal(1, await db.ContactLists.CountAsync(l => l.TenantId == tenant));
    }

    [Fact]
    public async Task Members_NeedIds_AndAtMostAThousandARequest()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var list = await client.CreateListAsync("Limits");

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = Array.Empty<long>() })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = Enumerable.Range(1, 1001).ToArray() })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostRawAsync($"/communication/lists/{list}/contacts", """{"contact_ids":["x"]}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync($"/communication/lists/{list}/contacts", new { phones = Enumerable.Range(0, 600).Select(i => $"1380013{i:D4}").ToArray(), emails = Enumerable.Range(0, 401).Select(i => $"e{i}@example.com").ToArray() })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync($"/communication/lists/{list}/contacts", new { phones = Array.Empty<string>() })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { long.MaxValue } })).Status);
    }
}
