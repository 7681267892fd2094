namespace CommsConsole.Features.Campaigns;

public static class CampaignsExtensions
{
    /// <summary>Batches: their listing, progress, cancelling and resending.</summary>
    public static void AddCampaigns(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<BatchService>();
    }
}
