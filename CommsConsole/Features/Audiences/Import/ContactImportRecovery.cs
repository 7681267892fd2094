using CommsConsole.Data;
using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Audiences.Import;

/// <summary>
/// At start, queues again the imports whose files wait on this node and that did not finish (the process stopped
/// mid-import, or before the job was queued), and removes the files of finished ones. A job run twice is harmless.
/// </summary>
public sealed class ContactImportRecovery(IServiceScopeFactory scopes, ContactImportFiles files, IBackgroundJobClient jobs, ILogger<ContactImportRecovery> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        var waiting = files.Waiting().ToList();
        if (waiting.Count == 0) return;
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var open = await db.ContactImports.AsNoTracking()
            .Where(i => waiting.Contains(i.Id) && (i.Status == ContactImportStatus.Queued || i.Status == ContactImportStatus.Running))
            .Select(i => i.Id).ToListAsync(ct);
        foreach (var id in waiting.Except(open)) files.Delete(id);
        foreach (var id in open) jobs.Create<ContactImportJob>(j => j.RunAsync(id, CancellationToken.None), new EnqueuedState(files.Queue));
        if (open.Count > 0) logger.LogInformation("Queued {Count} unfinished contact imports again", open.Count);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
