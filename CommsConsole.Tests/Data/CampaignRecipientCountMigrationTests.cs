using CommsConsole.Data;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommsConsole.Tests.Data;

/// <summary>
/// Campaign lists read a campaign's number of pasted recipients instead of the recipients themselves. Campaigns drafted
/// before that number was kept get it from the migration that adds it, on either database.
/// </summary>
public sealed class CampaignRecipientCountMigrationTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "commsconsole-migration-" + Guid.NewGuid().ToString("N")[..8]);

    private AppDbContext Context()
    {
        var cs = AppFactory.ConnectionStringFor(_directory);
        return AppFactory.OnPostgres
            ? new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql(cs)
                .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options)
            : new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite(cs)
                .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options);
    }

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await AppFactory.DeleteAsync(_directory);

    [Fact]
    public async Task CampaignsDraftedBefore_GetTheirRecipientsCounted()
    {
        await using var db = Context();
        var migrator = db.GetService<IMigrator>();
        var all = db.Database.GetMigrations().ToList();
        var adding = all.FindIndex(m => m.EndsWith("_CampaignRecipientCount", StringComparison.Ordinal));
        Assert.True(adding > 0, "no CampaignRecipientCount migration");
        await migrator.MigrateAsync(all[adding - 1]);

        // Pasted (one entry null, as a draft may keep), none, and a list's audience.
        foreach (var (name, recipients) in new[] { ("pasted", """["13800000001",null,"13800000002","13800000003"]"""), ("empty", "[]"), ("list", null) })
        {
            await db.Database.ExecuteSqlAsync($$"""
                INSERT INTO "Campaigns" ("TenantId","UserId","Name","Channel","Variables","Recipients","State","Version","CreatedAt","UpdatedAt")
                VALUES ('t','u',{{name}},0,'{}',{{recipients}},0,0,0,0)
                """);
        }
        await migrator.MigrateAsync();

        var counts = await db.Campaigns.Select(c => new { c.Name, c.RecipientCount }).ToDictionaryAsync(c => c.Name, c => c.RecipientCount);
        Assert.Equal(new Dictionary<string, int> { ["pasted"] = 3, ["empty"] = 0, ["list"] = 0 }, counts);
    }
}
