using System.Net;
using System.Text.Json;
using CommsConsole.Features.Audiences;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Audiences;

/// <summary>Segments over real HTTP: saved, counted, listed, used as a contact filter, and refused when wrong or not the caller's.</summary>
[Collection(AppCollection.Name)]
public sealed class SegmentApiTests(SharedApp app)
{
    private static IEnumerable<long> Ids(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(i => i.Long("id")).Order();

    [Fact]
    public async Task Segments_AreSavedCountedListedChangedAndDeleted_AndFilterContacts()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var shanghaiVip = await client.UpsertContactAsync(new { phone = "13800139001", name = "Li Lei", attributes = new { city = "Shanghai", age = 31 }, tags = new[] { "vip" } });
        var shanghai = await client.UpsertContactAsync(new { phone = "13800139002", attributes = new { city = "Shanghai", age = 25 } });
        var beijingVip = await client.UpsertContactAsync(new { email = "b@example.com", attributes = new { city = "Beijing" }, tags = new[] { "vip" } });
        var list = await client.CreateListAsync("Newsletter");
        await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { shanghai, beijingVip } });
        await client.PostAsync($"/communication/contacts/{shanghai}/consent", new { channel = "sms", subscribed = false });

        var (created, segment) = await client.PostAsync("/communication/segments", new { name = "Shanghai VIPs", filter = "city = \"Shanghai\" AND tag \"vip\"" });
        Assert.Equal(HttpStatusCode.Created, created);
        var id = segment.Long("id");
        Assert.Equal((1, "Shanghai VIPs", tenant), (segment.Int("count"), segment.Str("name"), segment.Str("tenant_id")));

        var (_, got) = await client.GetJsonAsync($"/communication/segments/{id}");
        Assert.Equal(1, got.Int("count"));
        var (_, members) = await client.GetJsonAsync($"/communication/contacts?segment_id={id}");
        Assert.Equal([shanghaiVip], Ids(members));

        var (changed, updated) = await client.PutAsync($"/communication/segments/{id}", new { name = "Reachable", filter = "subscribed sms OR in list \"Newsletter\"" });
        Assert.Equal((HttpStatusCode.OK, 3), (changed, updated.Int("count")));
        var (_, narrowed) = await client.GetJsonAsync($"/communication/contacts?segment_id={id}&tag=vip");
        Assert.Equal(new[] { shanghaiVip, beijingVip }.Order(), Ids(narrowed));

        await client.PostAsync("/communication/segments", new { name = "Young", filter = "attributes.age < 30" });
        var (_, all) = await client.GetJsonAsync("/communication/segments");
        Assert.Equal(2, all.Int("total"));
        Assert.Equal([("Reachable", 3), ("Young", 1)], all.GetProperty("items").EnumerateArray().Select(s => (s.Str("name"), s.Int("count"))));

        var (counted, count) = await client.PostAsync("/communication/segments/count", new { filter = "has email OR name contains \"LI\"" });
        Assert.Equal((HttpStatusCode.OK, 2), (counted, count.Int("count")));

        var (deleted, _) = await client.DeleteJsonAsync($"/communication/segments/{id}");
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetJsonAsync($"/communication/segments/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetJsonAsync($"/communication/contacts?segment_id={id}")).Status);
        using var db = app.Db();
        Assert.Equal(3, await db.Contacts.CountAsync(c => c.TenantId == tenant));
    }

    [Theory]
    [InlineData("tag vip", "filter: column 5: expected a quoted string, found 'vip'")]
    [InlineData("city = \"Shanghai\" AND", "filter: column 22: expected a condition, found the end of the filter")]
    [InlineData("", "filter: column 1: expected a condition")]
    [InlineData("list ١٢", "filter: column 6: expected a number (digits 0-9)")]
    [InlineData("city = \"x\"; DELETE FROM Contacts", "filter: column 11: expected a condition, found ';'")]
    public async Task BadFilters_Are400NamingTheColumn_AndNothingIsWritten(string filter, string expected)
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);

        var answers = new[]
        {
            await client.PostAsync("/communication/segments", new { name = "Bad", filter }),
            await client.PostAsync("/communication/segments/count", new { filter }),
        };

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.Status));
        Assert.All(answers, a => Assert.Equal(400, a.Body.Int("code")));
        Assert.All(answers, a => Assert.StartsWith(expected, a.Body.Str("message")));
        using var db = app.Db();
        Assert.False(await db.Segments.AnyAsync(s => s.TenantId == tenant));
    }

    [Fact]
    public async Task AnotherTenantsSegmentAndLists_AreNotFound_OrFindNothingOfTheirs()
    {
        var (mine, theirs) = (await app.CreateTenantAsync(), await app.CreateTenantAsync());
        var (me, _) = await app.UserAsync(Roles.Admin, mine);
        var (them, _) = await app.UserAsync(Roles.Marketer, theirs);
        var theirContact = await them.UpsertContactAsync(new { phone = "13800139101", tags = new[] { "vip" } });
        var theirList = await them.CreateListAsync("Secret");
        await them.PostAsync($"/communication/lists/{theirList}/contacts", new { contact_ids = new[] { theirContact } });
        var (_, theirSegment) = await them.PostAsync("/communication/segments", new { name = "Theirs", filter = "tag \"vip\"" });
        var segment = theirSegment.Long("id");
        await me.UpsertContactAsync(new { phone = "13800139102" });

        var answers = new[]
        {
            await me.GetJsonAsync($"/communication/segments/{segment}"),
            await me.PutAsync($"/communication/segments/{segment}", new { name = "Mine now", filter = "has phone" }),
            await me.DeleteJsonAsync($"/communication/segments/{segment}"),
            await me.GetJsonAsync($"/communication/contacts?segment_id={segment}"),
            await me.GetJsonAsync("/communication/segments/１２"),
            await me.GetJsonAsync("/communication/segments/1%20OR%201=1"),
        };
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.NotFound, a.Status));
        Assert.All(answers, a => Assert.Equal(404, a.Body.Int("code")));

        // Their list by id or by name, and their tag, count nothing of theirs from my side.
        foreach (var filter in new[] { $"list {theirList}", "in list \"Secret\"", "tag \"vip\"", $"list {theirList} OR NOT has phone" })
        {
            var (status, count) = await me.PostAsync("/communication/segments/count", new { filter });
            Assert.Equal((HttpStatusCode.OK, 0), (status, count.Int("count")));
        }
        var (_, list) = await me.GetJsonAsync("/communication/segments");
        Assert.Equal(0, list.Int("total"));
        using var db = app.Db();
        var kept = await db.Segments.SingleAsync(s => s.Id == segment);
        Assert.Equal(("Theirs", theirs), (kept.Name, kept.TenantId));
    }

    [Fact]
    public async Task HostileFilters_AreValuesOr400_NeverSqlOrA500()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        await client.UpsertContactAsync(new { phone = "13800139201", name = "Robert'); DROP TABLE Contacts;--", attributes = new Dictionary<string, object> { ["'; --"] = "x\" OR 1=1" } });
        await client.UpsertContactAsync(new { phone = "13800139202", name = "Alice" });

        async Task<int> Count(string filter)
        {
            var (status, body) = await client.PostAsync("/communication/segments/count", new { filter });
            Assert.True(status == HttpStatusCode.OK, $"{filter}: {status} {body}");
            return body.Int("count");
        }

        Assert.Equal(1, await Count("name contains \"'); DROP TABLE Contacts;--\""));
        Assert.Equal(0, await Count("name = \"' OR '1'='1\""));
        Assert.Equal(1, await Count("attributes.\"'; --\" = \"x\\\" OR 1=1\""));
        Assert.Equal(0, await Count("attributes.\"$.a') OR 1=1 --\" = 1"));
        Assert.Equal(0, await Count("name contains \"%\" OR name contains \"_\""));
        Assert.Equal(2, await Count("NOT attributes.\"y\" = 1 OR has phone"));

        var huge = new string('(', 50_000) + "has phone" + new string(')', 50_000);
        var answers = new[]
        {
            await client.PostAsync("/communication/segments/count", new { filter = huge }),
            await client.PostAsync("/communication/segments", new { name = "Huge", filter = huge }),
            await client.PostAsync("/communication/segments/count", new { filter = new string('(', 30) + "has phone" + new string(')', 30) }),
            await client.PostAsync("/communication/segments/count", new { filter = string.Join(" OR ", Enumerable.Repeat("has phone", 60)) }),
            await client.PostAsync("/communication/segments", new { name = new string('n', 101), filter = "has phone" }),
            await client.PostAsync("/communication/segments", new { name = "  ", filter = "has phone" }),
            await client.PostAsync("/communication/segments", new { name = "No filter" }),
        };
        answers = [.. answers,
            await client.PostRawAsync("/communication/segments/count", """{"filter":12}"""),
            await client.PostRawAsync("/communication/segments", """{"name":"x","filter":["has phone"]}"""),
            await client.PostRawAsync("/communication/segments/count", "null"),
            await client.PostRawAsync("/communication/segments/count", "{"),
        ];
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.Status));
        Assert.Contains("at most 2000 characters", answers[0].Body.Str("message"));
        Assert.Contains("nested deeper than 20 levels", answers[2].Body.Str("message"));
        Assert.Contains("more than 50 conditions", answers[3].Body.Str("message"));
        using var db = app.Db();
        Assert.Equal(2, await db.Contacts.CountAsync(c => c.TenantId == tenant));
        Assert.False(await db.Segments.AnyAsync(s => s.TenantId == tenant));
    }

    [Fact]
    public async Task MarkupInNamesAndFilters_IsStoredAndAnsweredAsText()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        const string Markup = "<img src=x onerror=alert(1)>{{ secret }}";

        var (status, body) = await client.PostAsync("/communication/segments", new { name = Markup, filter = $"name = \"{Markup}\"" });

        Assert.Equal(HttpStatusCode.Created, status);
        var (_, got) = await client.GetJsonAsync($"/communication/segments/{body.Long("id")}");
        Assert.Equal((Markup, $"name = \"{Markup}\""), (got.Str("name"), got.Str("filter")));
    }

    [Fact]
    public async Task AnAuditor_ReadsAndCounts_ButCannotChangeSegments()
    {
        var tenant = await app.CreateTenantAsync();
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (auditor, _) = await app.UserAsync(Roles.Auditor, tenant);
        var (_, segment) = await marketer.PostAsync("/communication/segments", new { name = "All", filter = "has phone OR has email" });
        var id = segment.Long("id");

        Assert.Equal(HttpStatusCode.OK, (await auditor.GetJsonAsync($"/communication/segments/{id}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await auditor.PostAsync("/communication/segments/count", new { filter = "has phone" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.PostAsync("/communication/segments", new { name = "Mine", filter = "has phone" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.PutAsync($"/communication/segments/{id}", new { name = "Mine", filter = "has phone" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.DeleteJsonAsync($"/communication/segments/{id}")).Status);
        using var db = app.Db();
        Assert.Equal("All", (await db.Segments.SingleAsync(s => s.TenantId == tenant)).Name);
    }

    [Fact]
    public async Task TwentyCountsAtOnce_AllGiveTheSameCount()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        for (var i = 0; i < 5; i++) await client.UpsertContactAsync(new { phone = $"1380013930{i}", attributes = new { age = 20 + i * 5 } });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            client.PostAsync("/communication/segments/count", new { filter = "attributes.age >= 30 AND NOT received marketing sms in 7 days" })));

        Assert.All(answers, a => Assert.Equal((HttpStatusCode.OK, 3), (a.Status, a.Body.Int("count"))));
    }

    [Fact]
    public async Task TwentyCreatesOfOneSegmentName_AtOnce_MakeOneSegment_AndTheRestAreConflicts()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            client.PostAsync("/communication/segments", new { name = "Once", filter = "has phone" })));

        Assert.Equal(1, answers.Count(a => a.Status == HttpStatusCode.Created));
        Assert.Equal(19, answers.Count(a => a.Status == HttpStatusCode.Conflict));
        using var db = app.Db();
        Assert.Equal(1, await db.Segments.CountAsync(s => s.TenantId == tenant));
    }

    [Fact]
    public void Members_OfASavedSegment_IsOneQueryOtherFeaturesCompose()
    {
        using var db = app.Db();
        var segment = new CommsConsole.Data.Segment { TenantId = "t", Name = "n", Filter = "tag \"vip\" AND subscribed sms", CreatedBy = "u" };

        var sql = SegmentService.Members(db, "t", segment, DateTimeOffset.UtcNow).Select(c => c.Id).ToQueryString();

        // The values travel as parameters (declared on the lines ToQueryString starts with), never inside the statement.
        var statement = string.Join("\n", sql.Split('\n').Where(l => !l.StartsWith(".param", StringComparison.Ordinal) && !l.StartsWith("--", StringComparison.Ordinal)));
        Assert.Contains("EXISTS", statement, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("vip", statement, StringComparison.Ordinal);
    }
}
