using System.ComponentModel;
using CommsConsole.Data;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Compliance;

/// <summary>
/// Purges messages (content, recipient, attempts) and SMS replies older than each tenant's retention period. Before a
/// message row goes, it is counted into <see cref="MessageDailyCount"/> (tenant, user, day, channel, status, cost), so
/// the dashboard still shows it. Pending and sending rows are never purged. Also forgets webhook tokens older than the
/// replay window. Safe to run twice.
/// </summary>
[AutomaticRetry(Attempts = 1)]
public sealed class RetentionJob(IServiceScopeFactory scopes, TimeProvider clock, IOptions<Providers.Submail.SubmailOptions> submail, ILogger<RetentionJob> logger)
{
    public const string RecurringId = "retention-purge";
    private const int Chunk = 5_000;

    [DisplayName("Purge messages past their tenant's retention")]
    public async Task<int> RunAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var policies = scope.ServiceProvider.GetRequiredService<PolicyService>();
        var ledger = scope.ServiceProvider.GetRequiredService<Messaging.MessageLedger>();
        var tenants = await db.Tenants.AsNoTracking().Select(t => t.Id).ToListAsync(ct);
        var purged = 0;
        foreach (var tenantId in tenants)
        {
            var policy = await policies.GetAsync(tenantId, ct);
            var cutoff = clock.GetUtcNow().AddDays(-policy.RetentionDays);
            int n;
            do
            {
                n = await ledger.PurgeAsync(tenantId, cutoff, Chunk, ct);
                purged += n;
            } while (n == Chunk && !ct.IsCancellationRequested);
            await db.InboundReplies.Where(r => r.TenantId == tenantId && r.ReceivedAt < cutoff).ExecuteDeleteAsync(ct);
        }
        // A forgotten token could come back re-dated (the signature covers the token alone), so tokens outlive the replay
        // window by far: SubhookTokenDays, and never less than the window.
        var keep = TimeSpan.FromSeconds(Math.Max(submail.Value.SubhookReplayWindowSeconds, submail.Value.SubhookTokenDays * 86_400.0));
        var tokensBefore = clock.GetUtcNow() - keep;
        await db.SeenWebhookTokens.Where(t => t.SeenAt < tokensBefore).ExecuteDeleteAsync(ct);
        if (purged > 0) logger.LogInformation("Purged {Count} messages past their tenant's retention", purged);
        return purged;
    }
}
