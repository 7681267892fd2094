using System.Net;
using CommsConsole.Data;
using CommsConsole.Features.Tracking;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Tracking;

/// <summary>Opens and clicks of email sent through a real SMTP peer, followed over real HTTP, on a real database.</summary>
public sealed class TrackingTests(TrackingFixture f) : IClassFixture<TrackingFixture>
{
    private const string Newsletter = """
        <h1>Autumn sale</h1>
        <p>Everything is <a href="https://shop.example/sale?from=mail&amp;x=1">20% off</a> this week.
        Questions? <a href="mailto:help@shop.example">Write to us</a> or <a href="#top">go up</a>.</p>
        <p><a href="http://blog.example/autumn">Read the story</a> · <a href="https://shop.example/见面">见面</a></p>
        """;

    [Fact]
    public async Task MarketingEmail_LinksAreRewritten_AndFollowingOneRedirectsToTheOriginal_AndRecordsOneClick()
    {
        var (_, client) = await f.TenantAsync();
        var to = TrackingFixture.NewAddress();
        var batchId = await f.SendAsync(client, Newsletter, "marketing", to);

        var mail = f.Delivered(to);
        var (hrefs, images) = TrackingFixture.Read(mail);
        var tracked = hrefs.Where(h => h.Contains("/r/")).ToList();
        Assert.Equal(3, tracked.Count);
        Assert.All(tracked, h => Assert.StartsWith(f.App.BaseAddress.ToString().TrimEnd('/') + "/r/", h));
        Assert.Contains("mailto:help@shop.example", hrefs);
        Assert.Contains("#top", hrefs);
        Assert.Single(hrefs, h => h.Contains("/u/")); // the unsubscribe link is left as it is
        Assert.DoesNotContain(hrefs, h => h.Contains("shop.example/sale") || h.Contains("blog.example"));
        Assert.Single(images, i => i.Contains("/o/"));
        // The text version is read from the HTML as sent: its links are the tracked ones too, never the originals.
        Assert.Contains(tracked[0], mail.TextBody ?? "");
        Assert.DoesNotContain("shop.example/sale", mail.TextBody ?? "");
        Assert.DoesNotContain("blog.example", mail.TextBody ?? "");

        await f.SentMinutesAgoAsync(batchId, 5);
        using var reader = f.Reader();
        var first = await reader.GetAsync(TrackingFixture.PathOf(tracked[0]));
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("https://shop.example/sale?from=mail&x=1", first.Headers.Location!.OriginalString);
        Assert.Contains("no-store", first.Headers.CacheControl!.ToString());
        var second = await reader.GetAsync(TrackingFixture.PathOf(tracked[1]));
        Assert.Equal("http://blog.example/autumn", second.Headers.Location!.OriginalString);
        // A Unicode path reaches the browser percent-encoded, never as a 500.
        var third = await reader.GetAsync(TrackingFixture.PathOf(tracked[2]));
        Assert.Equal(HttpStatusCode.Redirect, third.StatusCode);
        Assert.Equal("https://shop.example/%E8%A7%81%E9%9D%A2", third.Headers.Location!.OriginalString);

        var events = await f.EventsAsync(batchId);
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Equal(EngagementKind.Click, e.Kind));
        Assert.All(events, e => Assert.False(e.Automated));
        Assert.Equal([0, 1, 2], events.Select(e => e.LinkPosition!.Value));
        Assert.Equal("https://shop.example/sale?from=mail&x=1", events[0].Url);
        Assert.Equal(TrackingFixture.Browser, events[0].UserAgent);

        var (status, body) = await client.GetJsonAsync($"/communication/batches/{batchId}/engagement");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("clicked").Int("unique"));
        Assert.Equal(3, body.GetProperty("clicked").Int("total"));
        Assert.Equal(1.0, body.GetProperty("click_rate").GetDouble());
        Assert.Equal(3, body.GetProperty("top_links").GetArrayLength());
    }

    [Fact]
    public async Task OpenedTwice_CountsUniqueOne_TotalTwo_AndThePixelIsAnUncachedGif()
    {
        var (tenant, client) = await f.TenantAsync();
        var (to, other) = (TrackingFixture.NewAddress(), TrackingFixture.NewAddress());
        var batchId = await f.SendAsync(client, Newsletter, "marketing", to, other);
        await f.SentMinutesAgoAsync(batchId, 5);
        var pixel = Assert.Single(TrackingFixture.Read(f.Delivered(to)).Images, i => i.Contains("/o/"));

        using var reader = f.Reader();
        foreach (var _ in Enumerable.Range(0, 2))
        {
            var response = await reader.GetAsync(TrackingFixture.PathOf(pixel));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/gif", response.Content.Headers.ContentType!.MediaType);
            Assert.True(response.Headers.CacheControl!.NoStore);
            var gif = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal("GIF89a"u8.ToArray(), gif[..6]);
            Assert.Equal(1, gif[6]); // 1 pixel wide
            Assert.Equal(1, gif[8]); // and high
        }

        var (_, body) = await client.GetJsonAsync($"/communication/batches/{batchId}/engagement");
        Assert.Equal(1, body.GetProperty("opened").Int("unique"));
        Assert.Equal(2, body.GetProperty("opened").Int("total"));
        Assert.Equal(2, body.Int("sent"));
        Assert.Equal(0.5, body.GetProperty("open_rate").GetDouble());
        Assert.Equal(2, body.GetProperty("by_hour").EnumerateArray().Sum(h => h.Int("opens")));

        long messageId;
        using (var db = f.App.Db()) messageId = await db.Messages.Where(m => m.BatchId == batchId && m.Recipient == to).Select(m => m.Id).SingleAsync();
        await using var scope = f.App.Services.CreateAsyncScope();
        var mine = await scope.ServiceProvider.GetRequiredService<EngagementService>().ForMessageAsync(tenant, messageId, CancellationToken.None);
        Assert.Equal(2, mine.Opens);
        Assert.NotNull(mine.FirstOpenedAt);
        Assert.Equal(0, mine.Clicks);

        var (listed, who) = await client.GetJsonAsync($"/communication/batches/{batchId}/engagement/recipients?kind=open");
        Assert.Equal(HttpStatusCode.OK, listed);
        var item = Assert.Single(who.GetProperty("items").EnumerateArray());
        Assert.Equal(to, item.Str("recipient"));
        Assert.Equal(2, item.Int("total"));

        var csv = await client.GetAsync($"/communication/batches/{batchId}/engagement/recipients.csv?kind=open");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("message_id,recipient,first_at,total", lines[0]);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"log_{messageId},{to},", lines[1]);
    }

    [Fact]
    public async Task Prefetches_ABurst_AndScanners_AreFlaggedAutomated_AndNotCountedAsPeople()
    {
        var (_, client) = await f.TenantAsync();
        var (early, bursty, scanned) = (TrackingFixture.NewAddress(), TrackingFixture.NewAddress(), TrackingFixture.NewAddress());
        var batchId = await f.SendAsync(client, Newsletter, "marketing", early, bursty, scanned);

        // Within seconds of the send: a scanner fetching as the message is delivered.
        await f.SentMinutesAgoAsync(batchId, 0);
        using var browser = f.Reader();
        var earlyLinks = TrackingFixture.Read(f.Delivered(early));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(TrackingFixture.PathOf(earlyLinks.Images.Single(i => i.Contains("/o/"))))).StatusCode);

        await f.SentMinutesAgoAsync(batchId, 5);
        // Later, but the pixel and every link at once: a scanner following all of them.
        var (hrefs, images) = TrackingFixture.Read(f.Delivered(bursty));
        foreach (var url in images.Where(i => i.Contains("/o/")).Concat(hrefs.Where(h => h.Contains("/r/"))))
        {
            var response = await browser.GetAsync(TrackingFixture.PathOf(url));
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect, response.StatusCode.ToString());
        }
        // A known scanner's User-Agent, a request with none, and a HEAD.
        var scannedLink = TrackingFixture.Read(f.Delivered(scanned)).Hrefs.First(h => h.Contains("/r/"));
        using (var scanner = f.Reader("Mozilla/5.0 (compatible; Barracuda Sentinel link scanner)"))
            Assert.Equal(HttpStatusCode.Redirect, (await scanner.GetAsync(TrackingFixture.PathOf(scannedLink))).StatusCode);
        using (var bare = f.Reader(null))
            Assert.Equal(HttpStatusCode.Redirect, (await bare.GetAsync(TrackingFixture.PathOf(scannedLink))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect,
            (await browser.SendAsync(new HttpRequestMessage(HttpMethod.Head, TrackingFixture.PathOf(scannedLink)))).StatusCode);

        var events = await f.EventsAsync(batchId);
        Assert.Equal(1 + 4 + 3, events.Count);
        Assert.All(events, e => Assert.True(e.Automated, $"{e.Kind} of message {e.MessageId} at {e.At:O} ({e.UserAgent}) was counted as a person's"));

        var (_, body) = await client.GetJsonAsync($"/communication/batches/{batchId}/engagement");
        Assert.Equal(0, body.GetProperty("opened").Int("total"));
        Assert.Equal(0, body.GetProperty("clicked").Int("total"));
        Assert.Equal(2, body.GetProperty("automated").GetProperty("opened").Int("total"));
        Assert.Equal(2, body.GetProperty("automated").GetProperty("opened").Int("unique"));
        Assert.Equal(6, body.GetProperty("automated").GetProperty("clicked").Int("total"));
        Assert.Empty(body.GetProperty("top_links").EnumerateArray());
    }

    [Fact]
    public async Task TamperedTokens_OtherPositions_AndExternalUrls_Are404_NeverARedirect()
    {
        var (_, client) = await f.TenantAsync();
        var (one, many) = (TrackingFixture.NewAddress(), TrackingFixture.NewAddress());
        var single = await f.SendAsync(client, """<p><a href="https://one.example/">the only link</a></p>""", "marketing", one);
        var batchId = await f.SendAsync(client, Newsletter, "marketing", many);
        await f.SentMinutesAgoAsync(single, 5);
        await f.SentMinutesAgoAsync(batchId, 5);
        long singleId;
        using (var db = f.App.Db()) singleId = await db.Messages.Where(m => m.BatchId == single).Select(m => m.Id).SingleAsync();
        var link = TrackingFixture.Read(f.Delivered(one)).Hrefs.Single(h => h.Contains("/r/"));
        var token = link[(link.LastIndexOf('/') + 1)..];
        var pixel = TrackingFixture.Read(f.Delivered(one)).Images.Single(i => i.Contains("/o/"));
        var pixelToken = pixel[(pixel.LastIndexOf('/') + 1)..];

        var tampered = token[..10] + (token[10] == 'A' ? 'B' : 'A') + token[11..];
        var hostile = new[]
        {
            "/r/" + tampered,
            "/r/" + token[..^1],
            "/r/" + token + "A",
            "/r/" + pixelToken, // an open's token is no click's
            "/o/" + token,
            // Signed, but the message has one link: position 2 is another message's, not this one's.
            "/r/" + f.Links.Token(EngagementKind.Click, singleId, 2),
            // Signed, for a message that does not exist.
            "/r/" + f.Links.Token(EngagementKind.Click, 987_654_321, 0),
            "/o/" + f.Links.Token(EngagementKind.Open, 987_654_321, 0),
            "/r/https%3A%2F%2Fevil.example%2F",
            "/r/" + Uri.EscapeDataString("<script>alert(1)</script>"),
            "/r/" + Uri.EscapeDataString("１２３４５６７８９０１２３４５６７８９０１２３４５６７８９０１２３４５６"),
            "/r/" + new string('A', 3_000),
        };
        using var reader = f.Reader();
        foreach (var path in hostile)
        {
            var response = await reader.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
            Assert.Null(response.Headers.Location);
            Assert.Equal("Not found.", await response.Content.ReadAsStringAsync());
        }
        // A query naming another destination changes nothing: the link comes from the message alone.
        var followed = await reader.GetAsync("/r/" + token + "?url=https%3A%2F%2Fevil.example%2F&redirect=https://evil.example");
        Assert.Equal(HttpStatusCode.Redirect, followed.StatusCode);
        Assert.Equal("https://one.example/", followed.Headers.Location!.OriginalString);
        Assert.Single(await f.EventsAsync(single));
        Assert.Empty(await f.EventsAsync(batchId));
    }

    [Fact]
    public async Task TrackingTurnedOff_LeavesMarketingEmailAsWritten()
    {
        var (_, client) = await f.TenantAsync(p => p with { TrackMarketingEmail = false });
        var to = TrackingFixture.NewAddress();
        await f.SendAsync(client, Newsletter, "marketing", to);

        var (hrefs, images) = TrackingFixture.Read(f.Delivered(to));
        Assert.Contains("https://shop.example/sale?from=mail&x=1", hrefs);
        Assert.Contains("http://blog.example/autumn", hrefs);
        Assert.DoesNotContain(hrefs, h => h.Contains("/r/"));
        Assert.DoesNotContain(images, i => i.Contains("/o/"));
    }

    [Fact]
    public async Task TransactionalEmail_IsNotTracked_UnlessTheTenantTurnsItOn()
    {
        var (tenant, client) = await f.TenantAsync();
        var (before, after) = (TrackingFixture.NewAddress(), TrackingFixture.NewAddress());
        await f.SendAsync(client, Newsletter, "transactional", before);
        var plain = TrackingFixture.Read(f.Delivered(before));
        Assert.Contains("https://shop.example/sale?from=mail&x=1", plain.Hrefs);
        Assert.DoesNotContain(plain.Hrefs, h => h.Contains("/r/"));
        Assert.DoesNotContain(plain.Images, i => i.Contains("/o/"));

        await CommsConsole.Tests.Features.Compliance.ComplianceHelpers.SavePolicyAsync(f.App, tenant, p => p with { TrackTransactionalEmail = true });
        await f.SendAsync(client, Newsletter, "transactional", after);
        var tracked = TrackingFixture.Read(f.Delivered(after));
        Assert.Equal(3, tracked.Hrefs.Count(h => h.Contains("/r/")));
        Assert.Single(tracked.Images, i => i.Contains("/o/"));
    }

    [Fact]
    public async Task TwentyConcurrentClicks_OnOneLink_AreAllRedirected_AndEachCounted()
    {
        var (_, client) = await f.TenantAsync();
        var to = TrackingFixture.NewAddress();
        var batchId = await f.SendAsync(client, Newsletter, "marketing", to);
        await f.SentMinutesAgoAsync(batchId, 5);
        var link = TrackingFixture.Read(f.Delivered(to)).Hrefs.First(h => h.Contains("/r/"));

        using var reader = f.Reader();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => reader.GetAsync(TrackingFixture.PathOf(link))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Redirect, r.StatusCode));
        Assert.All(responses, r => Assert.Equal("https://shop.example/sale?from=mail&x=1", r.Headers.Location!.OriginalString));

        var events = await f.EventsAsync(batchId);
        Assert.Equal(20, events.Count);
        Assert.Single(events.Select(e => e.MessageId).Distinct());
        // Twenty hits on one message within seconds are a burst, every one of them flagged, however they interleaved.
        Assert.All(events, e => Assert.True(e.Automated));
        var (_, body) = await client.GetJsonAsync($"/communication/batches/{batchId}/engagement");
        Assert.Equal(1, body.GetProperty("automated").GetProperty("clicked").Int("unique"));
        Assert.Equal(20, body.GetProperty("automated").GetProperty("clicked").Int("total"));
        Assert.Equal(0, body.GetProperty("clicked").Int("total"));
    }

    [Fact]
    public async Task ErasedContact_TrackingLinksAnswer404()
    {
        var (tenant, client) = await f.TenantAsync();
        var (admin, _) = await f.App.UserAsync(Roles.Admin, tenant);
        var to = TrackingFixture.NewAddress();
        var (created, contact) = await admin.PostAsync("/communication/contacts", new { email = to, name = "Reader" });
        Assert.True(created is HttpStatusCode.OK or HttpStatusCode.Created, contact.ToString());
        var batchId = await f.SendAsync(client, Newsletter, "marketing", to);
        await f.SentMinutesAgoAsync(batchId, 5);
        var (hrefs, images) = TrackingFixture.Read(f.Delivered(to));
        var link = hrefs.First(h => h.Contains("/r/"));
        var pixel = images.Single(i => i.Contains("/o/"));
        using var reader = f.Reader();
        Assert.Equal(HttpStatusCode.Redirect, (await reader.GetAsync(TrackingFixture.PathOf(link))).StatusCode);

        var (erased, _) = await admin.DeleteJsonAsync($"/communication/contacts/{contact.Long("id")}");
        Assert.Equal(HttpStatusCode.OK, erased);

        foreach (var url in new[] { link, pixel })
        {
            var response = await reader.GetAsync(TrackingFixture.PathOf(url));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Null(response.Headers.Location);
        }
        var events = await f.EventsAsync(batchId);
        var click = Assert.Single(events); // counted before the erasure, nothing after
        Assert.Null(click.UserAgent);
    }

    [Fact]
    public async Task Engagement_OfAnotherTenantsBatch_OrAnotherUsers_Is404_AndBadInputIs400()
    {
        var (_, client) = await f.TenantAsync();
        var batchId = await f.SendAsync(client, Newsletter, "marketing", TrackingFixture.NewAddress());
        var (_, stranger) = await f.TenantAsync();
        string tenant;
        using (var db = f.App.Db()) tenant = await db.Batches.Where(b => b.Id == batchId).Select(b => b.TenantId).SingleAsync();
        var (sameTenantMarketer, _) = await f.App.UserAsync(Roles.Marketer, tenant);

        foreach (var (who, path) in new[]
        {
            (stranger, $"/communication/batches/{batchId}/engagement"),
            (stranger, $"/communication/batches/{batchId}/engagement/recipients?kind=open"),
            (stranger, $"/communication/batches/{batchId}/engagement/recipients.csv?kind=click"),
            (sameTenantMarketer, $"/communication/batches/{batchId}/engagement"),
            (client, "/communication/batches/%EF%BC%91%EF%BC%92/engagement"),
            (client, "/communication/batches/-1/engagement"),
            (client, "/communication/batches/99999999999999999999/engagement"),
        })
        {
            var (status, body) = await who.GetJsonAsync(path);
            Assert.True(status == HttpStatusCode.NotFound, $"{path}: {(int)status} {body}");
            Assert.Equal(404, body.Int("code"));
        }
        foreach (var (query, field) in new[]
        {
            ("", "kind"), ("kind=%3Cscript%3E", "kind"), ("kind=open&page_size=1000", "page_size"), ("kind=open&page=%EF%BC%92", "page"),
            ("kind=click&url=" + new string('x', 3_000), "url"),
        })
        {
            var (status, body) = await client.GetJsonAsync($"/communication/batches/{batchId}/engagement/recipients?{query}");
            Assert.True(status == HttpStatusCode.BadRequest, $"{query}: {(int)status} {body}");
            Assert.StartsWith(field + ":", body.Str("message"));
        }
        var (anonymous, _) = await f.Reader().GetJsonAsync($"/communication/batches/{batchId}/engagement");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous);
    }
}
