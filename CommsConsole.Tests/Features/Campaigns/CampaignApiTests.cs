using System.Globalization;
using System.Net;
using System.Text.Json;
using CommsConsole.Data;
using CommsConsole.Features.Campaigns;
using CommsConsole.Tests.Features.Audiences;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Campaigns;

/// <summary>Campaigns over REST: their life from draft to results, and the callers who would break them.</summary>
[Collection(AppCollection.Name)]
public sealed class CampaignApiTests(SharedApp app)
{
    private static string Future(TimeSpan ahead) => DateTimeOffset.UtcNow.Add(ahead).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static async Task<long> CreateAsync(HttpClient client, object body)
    {
        var (status, answer) = await client.PostAsync("/communication/campaigns", body);
        Assert.True(status == HttpStatusCode.Created, $"{status}: {answer}");
        return answer.Long("id");
    }

    private static object SmsDraft(string name, params string[] recipients) =>
        new { name, channel = "sms", content = "【Shop】Hello {{ who }}", variables = new { who = "friend" }, recipients };

    private Task WaitStateAsync(long id, CampaignState state) =>
        app.WaitUntilAsync(async db => await db.Campaigns.AnyAsync(c => c.Id == id && c.State == state), TimeSpan.FromSeconds(60), $"campaign {id} is {state}");

    [Fact]
    public async Task Draft_Patch_TestSend_Schedule_Due_IsSent_WithStats_ThatLeaveTheTestOut()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await CreateAsync(client, SmsDraft("Spring sale", "13800160001", "13800160002", AppFactory.RejectedPrefix + "0001"));

        var (patched, campaign) = await client.SendJsonAsync(HttpMethod.Patch, $"/communication/campaigns/{id}", new { content = "【Shop】Spring sale for {{ who }}" });
        Assert.Equal(HttpStatusCode.OK, patched);
        Assert.Equal(("draft", "【Shop】Spring sale for {{ who }}", "Spring sale"), (campaign.Str("state"), campaign.Str("content"), campaign.Str("name")));
        Assert.Equal(3, campaign.GetProperty("recipients").GetArrayLength());

        var (tested, test) = await client.PostAsync($"/communication/campaigns/{id}/test", new { recipients = new[] { "13800160009" } });
        Assert.Equal(HttpStatusCode.OK, tested);
        var testBatch = test.Long("batch_id");
        Assert.StartsWith("【Shop】Spring sale for friend", test.GetProperty("items")[0].Str("content"));
        await app.WaitSettledAsync(testBatch);

        var (scheduled, afterSchedule) = await client.PostAsync($"/communication/campaigns/{id}/schedule", new { scheduled_at = Future(TimeSpan.FromSeconds(3)) });
        Assert.Equal(HttpStatusCode.OK, scheduled);
        Assert.Equal("scheduled", afterSchedule.Str("state"));

        await WaitStateAsync(id, CampaignState.Sent);
        var (_, sent) = await client.GetJsonAsync($"/communication/campaigns/{id}");
        Assert.Equal("sent", sent.Str("state"));
        var batchId = sent.Long("batch_id");
        Assert.NotEqual(testBatch, batchId);
        Assert.NotNull(sent.Str("started_at"));
        Assert.NotNull(sent.Str("finished_at"));

        var (ok, stats) = await client.GetJsonAsync($"/communication/campaigns/{id}/stats");
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal(3, stats.Int("audience"));
        Assert.Equal(2, stats.Int("sent") + stats.Int("delivered"));
        Assert.Equal((1, 0, 0), (stats.Int("failed"), stats.Int("pending"), stats.Int("suppressed")));
        Assert.Equal(1, stats.GetProperty("failures").EnumerateArray().Sum(f => f.Int("count")));
        Assert.Equal(2, stats.GetProperty("sends_by_hour").EnumerateArray().Sum(h => h.Int("sent")));

        using var db = app.Db();
        var batches = await db.Batches.AsNoTracking().Where(b => b.CampaignId == id).OrderBy(b => b.Id).ToListAsync();
        Assert.Equal([(testBatch, true), (batchId, false)], batches.Select(b => (b.Id, b.IsTest)));
        Assert.All(batches, b => Assert.Equal("Spring sale", b.Name));
        Assert.Equal((userId, BatchSources.Campaign, 3), (batches[1].UserId, batches[1].Source, batches[1].Total));
        var cost = await db.Messages.AsNoTracking().Where(m => m.BatchId == batchId).Select(m => m.Cost).ToListAsync();
        Assert.Equal(cost.Sum(), decimal.Parse(stats.Str("cost"), CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// An email campaign's stats carry its people's opens and clicks and its bounces, as the tracking and bounce services count
    /// them; a machine's prefetch and its test send's events are not the campaign's.
    /// </summary>
    [Fact]
    public async Task EmailStats_CountPeoplesOpensAndClicks_AndBounces_ButNotMachinesOrTheTestSend()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await CreateAsync(client, new
        {
            name = "Newsletter", channel = "email", purpose = "transactional", subject = "News", content = "<p>Hello, <a href=\"https://example.com/a\">read</a></p>",
            recipients = new[] { "ann@example.com", "bob@example.com", "cat@example.com" },
        });
        var (tested, test) = await client.PostAsync($"/communication/campaigns/{id}/test", new { recipients = new[] { "me@example.com" } });
        Assert.Equal(HttpStatusCode.OK, tested);
        var testBatch = test.Long("batch_id");
        var (status, started) = await client.PostAsync($"/communication/campaigns/{id}/send", new { });
        Assert.Equal(HttpStatusCode.OK, status);
        var batchId = started.Long("batch_id");
        await app.WaitSettledAsync(testBatch);
        await app.WaitSettledAsync(batchId);

        using (var db = app.Db())
        {
            var messages = await db.Messages.AsNoTracking().Where(m => m.BatchId == batchId || m.BatchId == testBatch).ToListAsync();
            Message To(string address) => messages.Single(m => m.Recipient == address);
            var at = DateTimeOffset.UtcNow;
            MessageEvent Hit(Message m, EngagementKind kind, bool automated = false) => new()
            {
                TenantId = tenant, MessageId = m.Id, BatchId = m.BatchId, Kind = kind, At = at, Automated = automated,
                LinkPosition = kind == EngagementKind.Click ? 0 : null, Url = kind == EngagementKind.Click ? "https://example.com/a" : null,
            };
            db.MessageEvents.AddRange(
                Hit(To("ann@example.com"), EngagementKind.Open), Hit(To("ann@example.com"), EngagementKind.Open), Hit(To("ann@example.com"), EngagementKind.Click),
                Hit(To("bob@example.com"), EngagementKind.Open, automated: true), Hit(To("bob@example.com"), EngagementKind.Click, automated: true),
                Hit(To("me@example.com"), EngagementKind.Open), Hit(To("me@example.com"), EngagementKind.Click));
            var cat = To("cat@example.com");
            var me = To("me@example.com");
            db.Bounces.AddRange(
                new Bounce { TenantId = tenant, UserId = cat.UserId, MessageId = cat.Id, BatchId = batchId, Recipient = cat.Recipient, Kind = BounceKind.Hard, At = at },
                new Bounce { TenantId = tenant, UserId = me.UserId, MessageId = me.Id, BatchId = testBatch, Recipient = me.Recipient, Kind = BounceKind.Hard, At = at });
            await db.SaveChangesAsync();
        }

        var (_, stats) = await client.GetJsonAsync($"/communication/campaigns/{id}/stats");
        Assert.Equal((1, 2), (stats.GetProperty("opened").Int("unique"), stats.GetProperty("opened").Int("total")));
        Assert.Equal((1, 1), (stats.GetProperty("clicked").Int("unique"), stats.GetProperty("clicked").Int("total")));
        Assert.Equal((1, 1, 0), (stats.Int("bounced"), stats.Int("bounced_hard"), stats.Int("bounced_soft")));
    }

    [Fact]
    public async Task Stats_CountRecipientsWhoOptedOutByLinkOrReplyAfterTheStart_AndNobodyElse()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await CreateAsync(client, SmsDraft("Opt-outs", "13800160101", "13800160102", "13800160103"));
        var (status, started) = await client.PostAsync($"/communication/campaigns/{id}/send", new { });
        Assert.Equal(HttpStatusCode.OK, status);
        var batchId = started.Long("batch_id");
        await app.WaitSettledAsync(batchId);

        using (var db = app.Db())
        {
            var at = DateTimeOffset.UtcNow;
            db.ConsentEvents.AddRange(
                new ConsentEvent { TenantId = tenant, Channel = Channel.Sms, Address = "13800160101", Subscribed = false, Method = ConsentMethod.ReplyKeyword, At = at, By = "sms reply" },
                new ConsentEvent { TenantId = tenant, Channel = Channel.Sms, Address = "13800160101", Subscribed = false, Method = ConsentMethod.UnsubscribeLink, At = at, By = "link" },
                // An admin's change, another number, an earlier opt-out: none of them is the campaign's unsubscribe.
                new ConsentEvent { TenantId = tenant, Channel = Channel.Sms, Address = "13800160102", Subscribed = false, Method = ConsentMethod.Admin, At = at, By = "admin" },
                new ConsentEvent { TenantId = tenant, Channel = Channel.Sms, Address = "13800169999", Subscribed = false, Method = ConsentMethod.ReplyKeyword, At = at, By = "sms reply" },
                new ConsentEvent { TenantId = tenant, Channel = Channel.Sms, Address = "13800160103", Subscribed = false, Method = ConsentMethod.ReplyKeyword, At = at.AddDays(-1), By = "sms reply" });
            await db.SaveChangesAsync();
        }

        var (_, stats) = await client.GetJsonAsync($"/communication/campaigns/{id}/stats");
        Assert.Equal(1, stats.Int("unsubscribed"));
    }

    [Fact]
    public async Task Duplicate_MakesANewDraftOfTheCaller_AndCancel_StopsAScheduledCampaign_WhichThenNeverStarts()
    {
        var tenant = await app.CreateTenantAsync();
        var (owner, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (admin, adminId) = await app.UserAsync(Roles.Admin, tenant);
        var id = await CreateAsync(owner, SmsDraft("Weekly", "13800160201"));
        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsync($"/communication/campaigns/{id}/schedule", new { scheduled_at = Future(TimeSpan.FromSeconds(10)) })).Status);

        var (copied, copy) = await admin.PostAsync($"/communication/campaigns/{id}/duplicate", new { });
        Assert.Equal(HttpStatusCode.Created, copied);
        var (_, draft) = await admin.GetJsonAsync($"/communication/campaigns/{copy.Long("id")}");
        Assert.Equal(("Weekly (copy)", "draft", adminId, "【Shop】Hello {{ who }}"), (draft.Str("name"), draft.Str("state"), draft.Str("user_id"), draft.Str("content")));
        Assert.Equal(JsonValueKind.Null, draft.GetProperty("scheduled_at").ValueKind);

        var (cancelled, answer) = await owner.PostAsync($"/communication/campaigns/{id}/cancel", new { });
        Assert.Equal((HttpStatusCode.OK, "cancelled"), (cancelled, answer.Str("state")));
        var (again, conflict) = await owner.PostAsync($"/communication/campaigns/{id}/cancel", new { });
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Contains("cancelled", conflict.Str("message"));

        // Past its time, sweeps find nothing to start.
        await app.WaitUntilAsync(_ => Task.FromResult(DateTimeOffset.UtcNow > DateTimeOffset.Parse(answer.Str("scheduled_at"), CultureInfo.InvariantCulture)));
        await app.Services.GetRequiredService<CampaignScheduler>().SweepAsync(CancellationToken.None);
        using var db = app.Db();
        Assert.False(await db.Batches.AnyAsync(b => b.CampaignId == id));
        Assert.Equal(CampaignState.Cancelled, (await db.Campaigns.SingleAsync(c => c.Id == id)).State);
    }

    [Fact]
    public async Task AfterItStarts_EditScheduleCancelAndSendAre409()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await CreateAsync(client, SmsDraft("Started", "13800160301"));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/communication/campaigns/{id}/send", new { })).Status);

        var answers = new[]
        {
            await client.SendJsonAsync(HttpMethod.Patch, $"/communication/campaigns/{id}", new { name = "Renamed" }),
            await client.PostAsync($"/communication/campaigns/{id}/schedule", new { scheduled_at = Future(TimeSpan.FromHours(1)) }),
            await client.PostAsync($"/communication/campaigns/{id}/cancel", new { }),
            await client.PostAsync($"/communication/campaigns/{id}/send", new { }),
        };
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Conflict, a.Status));
        Assert.All(answers, a => Assert.StartsWith("the campaign is s", a.Body.Str("message")));
        using var db = app.Db();
        Assert.Equal("Started", (await db.Campaigns.SingleAsync(c => c.Id == id)).Name);
        Assert.Equal(1, await db.Batches.CountAsync(b => b.CampaignId == id));
    }

    [Fact]
    public async Task AnotherTenantsCampaign_AndIdsThatAreNotIds_Are404_OnEveryEndpoint()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var (stranger, _) = await app.UserAsync(Roles.Admin, other);
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (colleague, _) = await app.UserAsync(Roles.Marketer, tenant);
        var theirs = await CreateAsync(stranger, SmsDraft("Theirs", "13800160401"));
        var colleagues = await CreateAsync(colleague, SmsDraft("A colleague's", "13800160402"));

        foreach (var id in new[] { theirs.ToString(CultureInfo.InvariantCulture), colleagues.ToString(CultureInfo.InvariantCulture), "１２", "<b>1</b>", "-1", "0", new string('9', 400) })
        {
            var path = $"/communication/campaigns/{Uri.EscapeDataString(id)}";
            var answers = new[]
            {
                await client.GetJsonAsync(path),
                await client.GetJsonAsync(path + "/stats"),
                await client.SendJsonAsync(HttpMethod.Patch, path, new { name = "Mine now" }),
                await client.PostAsync(path + "/schedule", new { scheduled_at = Future(TimeSpan.FromHours(1)) }),
                await client.PostAsync(path + "/send", new { }),
                await client.PostAsync(path + "/cancel", new { }),
                await client.PostAsync(path + "/duplicate", new { }),
                await client.PostAsync(path + "/test", new { recipients = new[] { "13800160403" } }),
            };
            Assert.All(answers, a => Assert.Equal(HttpStatusCode.NotFound, a.Status));
            Assert.All(answers, a => Assert.StartsWith("id: no campaign with id", a.Body.Str("message")));
        }
        var (_, list) = await client.GetJsonAsync("/communication/campaigns");
        Assert.Equal(0, list.Int("total"));

        using var db = app.Db();
        var untouched = await db.Campaigns.AsNoTracking().Where(c => c.Id == theirs || c.Id == colleagues).ToListAsync();
        Assert.All(untouched, c => Assert.Equal((CampaignState.Draft, 0), (c.State, c.Version)));
        Assert.False(await db.Batches.AnyAsync(b => b.TenantId == tenant));
        Assert.Equal(1, await db.Campaigns.CountAsync(c => c.TenantId == tenant));
    }

    [Fact]
    public async Task TheList_CountsPastedRecipients_WithoutCarryingThem_AndTheCountFollowsEdits()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var many = Enumerable.Range(0, 2_000).Select(i => "1380017" + i.ToString("D4", CultureInfo.InvariantCulture)).ToArray();
        // Given again, once as is and once in full-width digits: kept once, as the send would address it.
        var pasted = await CreateAsync(client, SmsDraft("Many", [.. many, many[0], "１３８００１７０００１"]));
        var listId = await client.CreateListAsync("Friends");
        var toList = await CreateAsync(client, new { name = "To a list", channel = "sms", content = "【Shop】Hi", list_id = listId });

        JsonElement Item(JsonElement page, long id) => page.GetProperty("items").EnumerateArray().Single(i => i.Long("id") == id);
        var (_, page) = await client.GetJsonAsync("/communication/campaigns");
        Assert.Equal(2_000, Item(page, pasted).Int("recipient_count"));
        Assert.Equal(JsonValueKind.Null, Item(page, pasted).GetProperty("recipients").ValueKind);
        Assert.Equal(0, Item(page, toList).Int("recipient_count"));
        var (_, one) = await client.GetJsonAsync($"/communication/campaigns/{pasted}");
        Assert.Equal(many, one.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(2_000, one.Int("recipient_count"));

        // The count is written with the recipients, by an edit and by a copy; an edit of another field keeps it.
        await client.SendJsonAsync(HttpMethod.Patch, $"/communication/campaigns/{pasted}", new { recipients = new[] { "13800170001", "13800170002" } });
        await client.SendJsonAsync(HttpMethod.Patch, $"/communication/campaigns/{pasted}", new { name = "Fewer" });
        var (_, copied) = await client.PostAsync($"/communication/campaigns/{pasted}/duplicate", new { });
        await client.SendJsonAsync(HttpMethod.Patch, $"/communication/campaigns/{toList}", new { recipients = new[] { "13800170003" } });
        (_, page) = await client.GetJsonAsync("/communication/campaigns");
        Assert.Equal(2, Item(page, pasted).Int("recipient_count"));
        Assert.Equal(2, Item(page, copied.Long("id")).Int("recipient_count"));
        Assert.Equal(1, Item(page, toList).Int("recipient_count"));
    }

    [Fact]
    public async Task BadFields_Are400_NamingTheField_AndNothingIsWritten()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (stranger, _) = await app.UserAsync(Roles.Marketer, other);
        var theirList = await stranger.CreateListAsync("Theirs");

        var cases = new (object Body, HttpStatusCode Status, string Starts)[]
        {
            (new { channel = "sms", content = "【Shop】Hi", recipients = new[] { "13800160501" } }, HttpStatusCode.BadRequest, "name:"),
            (new { name = "  ", channel = "sms", content = "【Shop】Hi", recipients = new[] { "13800160501" } }, HttpStatusCode.BadRequest, "name:"),
            (new { name = new string('n', 201), channel = "sms", content = "【Shop】Hi", recipients = new[] { "13800160501" } }, HttpStatusCode.BadRequest, "name:"),
            (new { name = "x\u0007", channel = "sms", content = "【Shop】Hi", recipients = new[] { "13800160501" } }, HttpStatusCode.BadRequest, "name:"),
            (new { name = "x", channel = "fax", content = "【Shop】Hi", recipients = new[] { "13800160501" } }, HttpStatusCode.BadRequest, "channel:"),
            (new { name = "x", channel = "sms", content = "【Shop】Hi", recipients = new[] { "12345" } }, HttpStatusCode.BadRequest, "recipients"),
            (new { name = "x", channel = "sms", content = "【Shop】Hi", recipients = Enumerable.Range(0, 10_001).Select(i => $"138{i:D8}").ToArray() }, HttpStatusCode.BadRequest, "recipients"),
            (new { name = "x", channel = "sms", content = "【Shop】Hi", list_id = (object)"１２" }, HttpStatusCode.BadRequest, "list_id:"),
            (new { name = "x", channel = "sms", content = "【Shop】Hi", list_id = (object)theirList }, HttpStatusCode.NotFound, "list_id:"),
            (new { name = "x", channel = "sms", content = "【Shop】Hi", list_id = (object)1, recipients = new[] { "13800160501" } }, HttpStatusCode.BadRequest, "recipients, list_id, segment_id:"),
            (new { name = "x", channel = "sms", content = "【Shop】Hi {% if %}", recipients = new[] { "13800160501" } }, HttpStatusCode.BadRequest, "content:"),
            (new { name = "x", channel = "sms", content = "【Shop】Hi", purpose = "spam", recipients = new[] { "13800160501" } }, HttpStatusCode.BadRequest, "purpose:"),
            (new { name = "x", channel = "sms", content = "【Shop】Hi", recipients = new[] { "13800160501" }, scheduled_at = "tomorrow" }, HttpStatusCode.BadRequest, "scheduled_at:"),
            (new { name = "x", channel = "sms", content = "【Shop】Hi", recipients = new[] { "13800160501" }, scheduled_at = "２０２９-01-01T00:00:00Z" }, HttpStatusCode.BadRequest, "scheduled_at:"),
            (new { name = "x", channel = "sms", content = "【Shop】Hi", recipients = new[] { "13800160501" }, scheduled_at = "2001-01-01T00:00:00Z" }, HttpStatusCode.BadRequest, "scheduled_at:"),
            (new { name = "x", channel = "sms", template = "NO_SUCH", recipients = new[] { "13800160501" } }, HttpStatusCode.NotFound, "template:"),
            (new { name = "x", channel = "email", subject = "S", content = "Hi", format = "rtf", recipients = new[] { "a@example.com" } }, HttpStatusCode.BadRequest, "format:"),
        };
        foreach (var (body, expected, starts) in cases)
        {
            var (status, answer) = await client.PostAsync("/communication/campaigns", body);
            Assert.True(status == expected, $"{JsonSerializer.Serialize(body)[..Math.Min(200, JsonSerializer.Serialize(body).Length)]}: {status} {answer}");
            Assert.StartsWith(starts, answer.Str("message"));
        }
        var (wrongType, typed) = await client.PostRawAsync("/communication/campaigns", """{"name": 5, "channel": "sms"}""");
        Assert.Equal(HttpStatusCode.BadRequest, wrongType);
        Assert.Contains("name", typed.Str("message"));

        // Scheduling in the past, or with no time at all, is refused too; the draft stays a draft.
        var id = await CreateAsync(client, SmsDraft("<script>alert(1)</script>", "13800160502"));
        var (past, pastBody) = await client.PostAsync($"/communication/campaigns/{id}/schedule", new { scheduled_at = "2020-05-05T10:00:00+08:00" });
        Assert.Equal((HttpStatusCode.BadRequest, "scheduled_at: 2020-05-05T02:00:00Z is not in the future"), (past, pastBody.Str("message")));
        var (none, noneBody) = await client.PostAsync($"/communication/campaigns/{id}/schedule", new { });
        Assert.Equal((HttpStatusCode.BadRequest, "scheduled_at: required (the campaign has no planned time)"), (none, noneBody.Str("message")));
        var (tooMany, manyBody) = await client.PostAsync($"/communication/campaigns/{id}/test", new { recipients = Enumerable.Range(0, 11).Select(i => $"1380016{i:D4}").ToArray() });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany);
        Assert.StartsWith("recipients:", manyBody.Str("message"));
        var (badState, stateBody) = await client.GetJsonAsync("/communication/campaigns?state=drafted");
        Assert.Equal(HttpStatusCode.BadRequest, badState);
        Assert.StartsWith("state:", stateBody.Str("message"));

        using var db = app.Db();
        var only = await db.Campaigns.AsNoTracking().SingleAsync(c => c.TenantId == tenant);
        Assert.Equal(("<script>alert(1)</script>", CampaignState.Draft, null), (only.Name, only.State, only.ScheduledAt));
        Assert.False(await db.Batches.AnyAsync(b => b.TenantId == tenant));
    }

    /// <summary>
    /// A Markdown email campaign stays Markdown from draft to send: its test, its duplicate and its send are rendered HTML;
    /// an empty <c>format</c> on PATCH returns it to the rule for undeclared content (plain text here), and a variable's
    /// markup is text in every case.
    /// </summary>
    [Fact]
    public async Task MarkdownCampaign_KeepsItsFormat_ThroughTestDuplicateAndSend_AndPatchCanClearIt()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await CreateAsync(client, new
        {
            name = "Markdown news", channel = "email", purpose = "transactional", subject = "News", format = "markdown",
            content = "# News\n\nHello **{{ who }}**", variables = new { who = "<script>x</script>" }, recipients = new[] { "ann@example.com" },
        });
        var (_, draft) = await client.GetJsonAsync($"/communication/campaigns/{id}");
        Assert.Equal("markdown", draft.Str("format"));

        var (_, test) = await client.PostAsync($"/communication/campaigns/{id}/test", new { recipients = new[] { "me@example.com" } });
        Assert.Equal("test sent to 1 recipient", test.Str("message"));
        var tested = test.GetProperty("items")[0].Str("content")!;
        Assert.Contains("<h1", tested);
        Assert.Contains("<strong>&lt;script&gt;x&lt;/script&gt;</strong>", tested);

        var (duplicated, copy) = await client.PostAsync($"/communication/campaigns/{id}/duplicate", new { });
        Assert.Equal(HttpStatusCode.Created, duplicated);
        var (_, copied) = await client.GetJsonAsync($"/communication/campaigns/{copy.Long("id")}");
        Assert.Equal("markdown", copied.Str("format"));

        var (badFormat, why) = await client.SendJsonAsync(HttpMethod.Patch, $"/communication/campaigns/{copy.Long("id")}", new { format = "docx" });
        Assert.Equal((HttpStatusCode.BadRequest, "format: 'docx' is not one of markdown, html"), (badFormat, why.Str("message")));
        var (cleared, plain) = await client.SendJsonAsync(HttpMethod.Patch, $"/communication/campaigns/{copy.Long("id")}", new { format = "" });
        Assert.Equal(HttpStatusCode.OK, cleared);
        Assert.Null(plain.Str("format"));
        var (_, plainTest) = await client.PostAsync($"/communication/campaigns/{copy.Long("id")}/test", new { recipients = new[] { "me@example.com" } });
        Assert.StartsWith("# News", plainTest.GetProperty("items")[0].Str("content"));

        var (started, send) = await client.PostAsync($"/communication/campaigns/{id}/send", new { });
        Assert.Equal(HttpStatusCode.OK, started);
        await app.WaitSettledAsync(send.Long("batch_id"));
        using var db = app.Db();
        var sent = await db.Messages.AsNoTracking().SingleAsync(m => m.BatchId == send.Long("batch_id"));
        Assert.Contains("<strong>&lt;script&gt;x&lt;/script&gt;</strong>", sent.Content);
    }

    [Fact]
    public async Task TestSend_GoesToTheCallersOwnAddress_WhenGivenNone_AndIsRefusedWhenThereIsNone()
    {
        var tenant = await app.CreateTenantAsync();
        var (email, userId) = await app.NewUserAsync(Roles.Marketer, tenant);
        using var client = await app.ClientForAsync(email, AppFactory.UserPassword);
        var mail = await CreateAsync(client, new { name = "Receipt", channel = "email", purpose = "transactional", subject = "Your receipt", content = "Thanks {{ who }}", variables = new { who = "you" }, recipients = new[] { "buyer@example.com" } });
        var sms = await CreateAsync(client, SmsDraft("SMS", "13800160601"));

        var (ok, test) = await client.PostAsync($"/communication/campaigns/{mail}/test", new { });
        Assert.Equal(HttpStatusCode.OK, ok);
        var items = test.GetProperty("items");
        Assert.Equal(1, items.GetArrayLength());
        Assert.Equal("Thanks you", items[0].Str("content"));
        var (refused, why) = await client.PostAsync($"/communication/campaigns/{sms}/test", new { recipients = Array.Empty<string>() });
        Assert.Equal((HttpStatusCode.BadRequest, "recipients: required (your account has no phone number to send the test to)"), (refused, why.Str("message")));

        using var db = app.Db();
        var batch = await db.Batches.AsNoTracking().SingleAsync(b => b.CampaignId == mail);
        Assert.True(batch.IsTest);
        Assert.Equal(email, (await db.Messages.AsNoTracking().SingleAsync(m => m.BatchId == batch.Id)).Recipient);
        Assert.Equal(userId, batch.UserId);
        Assert.Null((await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == mail)).BatchId);
    }

    [Fact]
    public async Task ListCampaign_SendsToItsMembersInOneBatch_AndARefusedStart_GoesBackToDraftWithTheReason()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var list = await client.CreateListAsync("Members");
        var empty = await client.CreateListAsync("Nobody");
        foreach (var phone in new[] { "13800160701", "13800160702" })
            await client.PostAsync($"/communication/lists/{list}/contacts", new { contact_ids = new[] { await client.UpsertContactAsync(new { phone, name = "N" + phone[^1] }) } });

        var good = await CreateAsync(client, new { name = "To the list", channel = "sms", content = "【Shop】Hi {{ name }}", list_id = list });
        var (sent, answer) = await client.PostAsync($"/communication/campaigns/{good}/send", new { });
        Assert.Equal(HttpStatusCode.OK, sent);
        Assert.Equal(2, answer.Int("total"));
        await WaitStateAsync(good, CampaignState.Sent);

        var bad = await CreateAsync(client, new { name = "To nobody", channel = "sms", content = "【Shop】Hi", list_id = empty });
        var (refused, why) = await client.PostAsync($"/communication/campaigns/{bad}/send", new { });
        Assert.Equal((HttpStatusCode.BadRequest, "list_id: it has no contacts"), (refused, why.Str("message")));
        var (_, back) = await client.GetJsonAsync($"/communication/campaigns/{bad}");
        Assert.Equal(("draft", "list_id: it has no contacts"), (back.Str("state"), back.Str("last_error")));
        Assert.Equal(JsonValueKind.Null, back.GetProperty("batch_id").ValueKind);

        using var db = app.Db();
        var rows = await db.Messages.AsNoTracking().Where(m => m.TenantId == tenant).OrderBy(m => m.Recipient).Select(m => m.Content).ToListAsync();
        Assert.Equal(2, rows.Count);
        Assert.StartsWith("【Shop】Hi N1", rows[0]);
    }

    [Fact]
    public async Task TwentySendsAtOnce_StartOneBatch_AndTheOthersAre409()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Admin, tenant);
        var id = await CreateAsync(client, SmsDraft("Once", "13800160801", "13800160802"));

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.PostAsync($"/communication/campaigns/{id}/send", new { })));

        Assert.Equal(1, answers.Count(a => a.Status == HttpStatusCode.OK));
        Assert.Equal(19, answers.Count(a => a.Status == HttpStatusCode.Conflict));
        using var db = app.Db();
        var batches = await db.Batches.AsNoTracking().Where(b => b.TenantId == tenant).ToListAsync();
        Assert.Single(batches);
        Assert.Equal(2, await db.Messages.CountAsync(m => m.TenantId == tenant));
        Assert.Equal(batches[0].Id, (await db.Campaigns.SingleAsync(c => c.Id == id)).BatchId);
        Assert.Equal(batches[0].Id, answers.Single(a => a.Status == HttpStatusCode.OK).Body.Long("batch_id"));
    }

    [Fact]
    public async Task TwentyPatchesAtOnce_AreEachAppliedWhole_OneAfterTheOther()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var id = await CreateAsync(client, SmsDraft("Edited", "13800160901"));

        // Each edit names its own one to three recipients, so that their number must come from the same edit too.
        static string[] RecipientsOf(int i) => Enumerable.Range(0, i % 3 + 1).Select(k => $"1380019{i:D2}{k:D2}").ToArray();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            client.SendJsonAsync(HttpMethod.Patch, $"/communication/campaigns/{id}", new { name = $"Edit {i}", content = $"【Shop】Edit {i}", recipients = RecipientsOf(i) })));

        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.Conflict, a.Body.ToString()));
        using var db = app.Db();
        var campaign = await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == id);
        var i = int.Parse(campaign.Name["Edit ".Length..], CultureInfo.InvariantCulture);
        Assert.Equal(($"【Shop】Edit {i}", JsonSerializer.Serialize(RecipientsOf(i)), RecipientsOf(i).Length),
            (campaign.Content, campaign.Recipients, campaign.RecipientCount));
        Assert.Equal(answers.Count(a => a.Status == HttpStatusCode.OK), campaign.Version);
        // Each answer shows its own edit whole.
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.OK), a =>
            Assert.Equal(a.Body.Str("name")["Edit ".Length..], a.Body.Str("content")["【Shop】Edit ".Length..]));
    }

    [Fact]
    public async Task AnAuditor_ReadsTheTenantsCampaigns_ButCannotCreateChangeOrSendThem()
    {
        var tenant = await app.CreateTenantAsync();
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (auditor, _) = await app.UserAsync(Roles.Auditor, tenant);
        var id = await CreateAsync(marketer, SmsDraft("Audited", "13800161001"));

        var (read, campaign) = await auditor.GetJsonAsync($"/communication/campaigns/{id}");
        Assert.Equal((HttpStatusCode.OK, "Audited"), (read, campaign.Str("name")));
        var refused = new[]
        {
            await auditor.PostAsync("/communication/campaigns", SmsDraft("Mine", "13800161002")),
            await auditor.SendJsonAsync(HttpMethod.Patch, $"/communication/campaigns/{id}", new { name = "Changed" }),
            await auditor.PostAsync($"/communication/campaigns/{id}/send", new { }),
            await auditor.PostAsync($"/communication/campaigns/{id}/test", new { recipients = new[] { "13800161003" } }),
            await auditor.PostAsync($"/communication/campaigns/{id}/cancel", new { }),
            await auditor.PostAsync($"/communication/campaigns/{id}/duplicate", new { }),
        };
        Assert.All(refused, r => Assert.Equal(HttpStatusCode.Forbidden, r.Status));
        using var db = app.Db();
        Assert.Equal(1, await db.Campaigns.CountAsync(c => c.TenantId == tenant));
        Assert.Equal((CampaignState.Draft, "Audited"), await db.Campaigns.Where(c => c.Id == id).Select(c => new ValueTuple<CampaignState, string>(c.State, c.Name)).SingleAsync());
        Assert.False(await db.Batches.AnyAsync(b => b.TenantId == tenant));
    }
}
