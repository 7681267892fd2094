using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using CommsConsole.Data;
using CommsConsole.Features.Campaigns;
using CommsConsole.Tests.Features.Audiences;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommsConsole.Tests.Features.Campaigns;

/// <summary>Campaigns started by several nodes on one database, and starts a node was interrupted in.</summary>
[Collection(AppCollection.Name)]
public sealed class CampaignNodesTests(SharedApp app)
{
    [Fact]
    public async Task TwoNodesOnOneDatabase_SendsAndSweepsAtOnce_StartEachCampaignOnce_WithItsLatestEdit()
    {
        var directory = Path.Combine(Path.GetTempPath(), "commsconsole-campaign-nodes-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        try
        {
            await using var a = new AppFactory(directory, new Dictionary<string, string?> { ["Dispatch:Node"] = "a" });
            var tenant = await a.CreateTenantAsync();
            var (onA, _) = await a.UserAsync(Roles.Admin, tenant);
            // Node B shares the database (and so the users and the token signing key); its jobs are in a file of its own.
            await using var b = new AppFactory(directory, new Dictionary<string, string?>
            {
                ["Dispatch:Node"] = "b",
                ["ConnectionStrings:Jobs"] = $"Data Source={Path.Combine(directory, "b-jobs.db")}",
            });
            using var onB = b.Anonymous();
            onB.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", onA.DefaultRequestHeaders.Authorization!.Parameter);

            var (created, body) = await onA.PostAsync("/communication/campaigns", new { name = "Both nodes", channel = "sms", content = "【Shop】Once", recipients = new[] { "13800180001", "13800180002" } });
            Assert.Equal(HttpStatusCode.Created, created);
            var id = body.Long("id");
            var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? onA : onB).PostAsync($"/communication/campaigns/{id}/send", new { })));
            Assert.Equal(1, answers.Count(x => x.Status == HttpStatusCode.OK));
            Assert.Equal(19, answers.Count(x => x.Status == HttpStatusCode.Conflict));

            // A scheduled campaign edited after it was scheduled goes out as edited, once, however many sweeps race for it.
            var (_, scheduledBody) = await onB.PostAsync("/communication/campaigns", new { name = "Due", channel = "sms", content = "【Shop】Old", recipients = new[] { "13800180003" } });
            var due = scheduledBody.Long("id");
            var at = DateTimeOffset.UtcNow.AddSeconds(3);
            var (scheduled, _) = await onB.PostAsync($"/communication/campaigns/{due}/schedule", new { scheduled_at = at.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture) });
            Assert.Equal(HttpStatusCode.OK, scheduled);
            var (edited, _) = await onA.SendJsonAsync(HttpMethod.Patch, $"/communication/campaigns/{due}", new { content = "【Shop】New" });
            Assert.Equal(HttpStatusCode.OK, edited);
            await a.WaitUntilAsync(_ => Task.FromResult(DateTimeOffset.UtcNow > at), because: "the campaign is due");
            var sweeps = new[] { a, b }.SelectMany(node => Enumerable.Range(0, 5).Select(_ => node.Services.GetRequiredService<CampaignScheduler>().SweepAsync(CancellationToken.None)));
            await Task.WhenAll(sweeps);
            await a.WaitUntilAsync(db => db.Campaigns.AnyAsync(c => c.Id == due && c.BatchId != null), because: "the due campaign started");

            using var db = a.Db();
            var batches = await db.Batches.AsNoTracking().Where(x => x.TenantId == tenant).ToListAsync();
            Assert.Equal(1, batches.Count(x => x.CampaignId == id));
            Assert.Equal(1, batches.Count(x => x.CampaignId == due));
            var dueBatch = batches.Single(x => x.CampaignId == due).Id;
            Assert.StartsWith("【Shop】New", (await db.Messages.AsNoTracking().SingleAsync(m => m.BatchId == dueBatch)).Content);
            Assert.Equal(3, await db.Messages.CountAsync(m => m.TenantId == tenant));
        }
        finally
        {
            // Hangfire's log provider is process-wide and was last pointed at node B's loggers, now disposed: point it back
            // at the shared app's, whose workers would otherwise fail on their next fetch.
            Hangfire.Logging.LogProvider.SetCurrentLogProvider(new Hangfire.AspNetCore.AspNetCoreLogProvider(app.Services.GetRequiredService<ILoggerFactory>()));
            await AppFactory.DeleteAsync(directory);
        }
    }

    [Fact]
    public async Task AStartInterruptedBeforeItKeptItsBatch_IsRecovered_TheBatchKeptIfWritten_ElseBackToDraft()
    {
        var tenant = await app.CreateTenantAsync();
        var (_, userId) = await app.UserAsync(Roles.Marketer, tenant);
        var longAgo = DateTimeOffset.UtcNow - CampaignService.StartTimeout - TimeSpan.FromMinutes(1);
        Campaign Stuck(string name) => new()
        {
            TenantId = tenant, UserId = userId, Name = name, Channel = Channel.Sms, Content = "【Shop】Hi", Recipients = "[\"13800180101\"]",
            State = CampaignState.Sending, StartedAt = longAgo, CreatedAt = longAgo, UpdatedAt = longAgo,
        };
        long written, lost, recent;
        using (var db = app.Db())
        {
            var campaigns = new[] { Stuck("Written"), Stuck("Lost"), Stuck("Still starting") };
            campaigns[2].StartedAt = DateTimeOffset.UtcNow;
            db.Campaigns.AddRange(campaigns);
            await db.SaveChangesAsync();
            (written, lost, recent) = (campaigns[0].Id, campaigns[1].Id, campaigns[2].Id);
            // The written one's batch committed (with nothing left to send); its test send does not count as its batch.
            db.Batches.Add(new Batch { TenantId = tenant, UserId = userId, Source = BatchSources.CampaignTest, CampaignId = lost, IsTest = true, CreatedAt = longAgo });
            db.Batches.Add(new Batch { TenantId = tenant, UserId = userId, Source = BatchSources.Campaign, CampaignId = written, CreatedAt = longAgo });
            await db.SaveChangesAsync();
        }

        await app.Services.GetRequiredService<CampaignScheduler>().SweepAsync(CancellationToken.None);

        using var after = app.Db();
        var rows = await after.Campaigns.AsNoTracking().Where(c => c.TenantId == tenant).ToDictionaryAsync(c => c.Id);
        Assert.Equal(CampaignState.Sent, rows[written].State);
        Assert.NotNull(rows[written].BatchId);
        Assert.Equal((CampaignState.Draft, null), (rows[lost].State, rows[lost].BatchId));
        Assert.Contains("interrupted", rows[lost].LastError);
        Assert.Equal((CampaignState.Sending, null), (rows[recent].State, rows[recent].BatchId));
    }
}
