using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Campaigns;

public sealed class CampaignOptions
{
    public const string Section = "Campaigns";

    /// <summary>How often each node looks for due scheduled campaigns and for campaigns whose batch is done.</summary>
    public double SweepIntervalSeconds { get; set; } = 5;
}

/// <summary>
/// Starts scheduled campaigns at their time and marks started ones sent when their batch is done. The schedule is the
/// campaign's row (no delayed job an edit would have to chase); every node sweeps, and the conditional update in
/// <see cref="CampaignService.SweepAsync"/> lets only one of them start a campaign, before or after a restart.
/// </summary>
public sealed class CampaignScheduler(IServiceScopeFactory scopes, TimeProvider clock, IOptions<CampaignOptions> options, ILogger<CampaignScheduler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(0.1, options.Value.SweepIntervalSeconds)), clock);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Campaign sweep failed; trying again at the next interval");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<int> SweepAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<CampaignService>().SweepAsync(ct);
    }
}
