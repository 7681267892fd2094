using System.ComponentModel;
using CommsConsole.Data;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Bounces;

/// <summary>
/// Reads every enabled bounce mailbox, one tenant after another; one mailbox failing (its error recorded on its settings)
/// never stops the others. Safe to run twice or at once on several nodes: each mailbox is claimed with a lease.
/// </summary>
[AutomaticRetry(Attempts = 0)] // The next run reads again.
public sealed class BounceMailboxJob(IServiceScopeFactory scopes, ILogger<BounceMailboxJob> logger)
{
    public const string RecurringId = "bounce-mailboxes";

    [DisplayName("Read the tenants' bounce mailboxes")]
    public async Task<int> RunAsync(CancellationToken ct)
    {
        List<string> tenants;
        using (var scope = scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            tenants = await db.BounceSettings.AsNoTracking().Where(s => s.Enabled && s.Host != null).Select(s => s.TenantId).ToListAsync(ct);
        }
        var applied = 0;
        foreach (var tenantId in tenants)
        {
            if (ct.IsCancellationRequested) break;
            using var scope = scopes.CreateScope();
            try
            {
                var read = await scope.ServiceProvider.GetRequiredService<BounceMailboxReader>().ReadAsync(tenantId, ct);
                applied += read.Value?.Applied ?? 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogWarning(ex, "The bounce mailbox of tenant {TenantId} was not read", tenantId);
            }
        }
        return applied;
    }
}
