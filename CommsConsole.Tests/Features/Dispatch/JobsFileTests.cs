using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Dispatch;

/// <summary>
/// Where the embedded default keeps Hangfire's jobs (Hangfire.Storage.SQLite): a file of their own, beside the app's
/// database unless <c>ConnectionStrings:Jobs</c> says otherwise, and never the database itself.
/// </summary>
[Trait("Database", "SqliteOnly")]
public sealed class JobsFileTests
{
    [Fact]
    public async Task JobsFile_ByDefault_IsBesideTheDatabase_AndKeepsTheJobsThatSend()
    {
        await using var app = new AppFactory(null);
        await ((IAsyncLifetime)app).InitializeAsync();
        await SendOneAsync(app);

        var jobs = Path.Combine(app.Directory, "app-jobs.db");
        Assert.True(File.Exists(jobs));
        await AssertJobsKeptInAsync(app, jobs);
    }

    [Fact]
    public async Task JobsFile_WhenConfigured_IsThatFile()
    {
        var directory = Path.Combine(Path.GetTempPath(), "commsconsole-jobsfile-" + Guid.NewGuid().ToString("N")[..8]);
        var jobs = Path.Combine(directory, "elsewhere", "hangfire.sqlite");
        try
        {
            await using (var app = new AppFactory(directory, new Dictionary<string, string?> { ["ConnectionStrings:Jobs"] = $"Data Source={jobs}" }))
            {
                await ((IAsyncLifetime)app).InitializeAsync();
                await SendOneAsync(app);
                await AssertJobsKeptInAsync(app, jobs);
            }
            Assert.True(File.Exists(jobs));
            Assert.False(File.Exists(Path.Combine(directory, "app-jobs.db")));
        }
        finally
        {
            await AppFactory.DeleteAsync(directory);
        }
    }

    [Theory]
    [InlineData("jobs.db", "is not a SQLite connection string")]
    [InlineData("Data Source=:memory:", "must name a SQLite file")]
    [InlineData("Data Source={folder}/app.db", "names the app's own database")]
    public async Task JobsFile_WhenNotAFileOfItsOwn_StopsTheStart_NamingTheSetting(string configured, string reason)
    {
        var directory = Path.Combine(Path.GetTempPath(), "commsconsole-jobsfile-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using var app = new AppFactory(directory, new Dictionary<string, string?> { ["ConnectionStrings:Jobs"] = configured.Replace("{folder}", directory) });
            var error = await Assert.ThrowsAnyAsync<Exception>(() => ((IAsyncLifetime)app).InitializeAsync());
            Assert.Contains("ConnectionStrings:Jobs", error.ToString());
            Assert.Contains(reason, error.ToString());
        }
        finally
        {
            await AppFactory.DeleteAsync(directory);
        }
    }

    [Fact]
    public async Task JobsFile_WhenTheDatabaseIsNoFile_AndNoneIsConfigured_StopsTheStart_NamingTheSetting()
    {
        await using var app = new AppFactory(null, new Dictionary<string, string?> { ["ConnectionStrings:DefaultConnection"] = "Data Source=:memory:" });
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ((IAsyncLifetime)app).InitializeAsync());
        Assert.Contains("set ConnectionStrings:Jobs", error.ToString());
    }

    private static async Task SendOneAsync(AppFactory app)
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Marketer, tenant);
        var batchId = (await client.PostAsync("/communication/bulk", new { channel = "sms", content = "x", recipients = new[] { "13600000001" } })).Body.Long("batch_id");
        await app.WaitUntilAsync(async db => await db.Messages.AnyAsync(m => m.BatchId == batchId && m.Status == MessageStatus.Sent), because: "the message sent");
    }

    /// <summary>The app's job storage is that file, and the dispatch job that sent is in its history.</summary>
    private static async Task AssertJobsKeptInAsync(AppFactory app, string jobs)
    {
        var storage = app.Services.GetRequiredService<JobStorage>();
        Assert.Contains(jobs, storage.ToString());
        // The job is marked succeeded a moment after the message it sent.
        await app.WaitUntilAsync(_ => Task.FromResult(storage.GetMonitoringApi().SucceededListCount() >= 1), because: "the dispatch job in the storage's history");
    }
}
