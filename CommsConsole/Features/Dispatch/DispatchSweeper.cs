using CommsConsole.Data;
using CommsConsole.Features.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Dispatch;

/// <summary>
/// The recurring safety net of dispatch: gives rows whose lease ran out back to pending (a worker or a
/// node died mid-chunk) and starts dispatch when due work is waiting (retries, schedules, restarts).
/// </summary>
public sealed class DispatchSweeper(
    IServiceScopeFactory scopes,
    DispatchQueue queue,
    TimeProvider clock,
    IOptions<DispatchOptions> options,
    ILogger<DispatchSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds), clock);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Dispatch sweep failed; trying again at the next interval");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task SweepAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var now = clock.GetUtcNow();
        var reclaimed = await scope.ServiceProvider.GetRequiredService<MessageLedger>().ReclaimExpiredAsync(now, ct);
        if (reclaimed > 0) logger.LogWarning("Reclaimed {Count} messages whose dispatch lease ran out", reclaimed);

        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        queue.Recount();
        if (await db.Messages.AnyAsync(m => m.Status == MessageStatus.Pending && m.NextAttemptAt <= now, ct)) queue.Kick();
        await db.CheckpointAsync(ct);
    }
}
