namespace CommsConsole.Features.Campaigns;

public static class CampaignsExtensions
{
    /// <summary>Campaigns: drafts, test sends, schedules, starts through the send pipeline, and their results.</summary>
    public static void AddCampaigns(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CampaignOptions>().BindConfiguration(CampaignOptions.Section);
        builder.Services.AddScoped<CampaignService>();
        builder.Services.AddSingleton<CampaignScheduler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CampaignScheduler>());
    }

    public static void MapCampaigns(this WebApplication app) => app.MapCampaignsApi();
}
