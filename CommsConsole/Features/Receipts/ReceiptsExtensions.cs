namespace CommsConsole.Features.Receipts;

public static class ReceiptsExtensions
{
    /// <summary>Delivery reports and replies posted by SUBMAIL (SUBHOOK).</summary>
    public static void AddReceipts(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<SubhookReceiver>();
    }

    public static void MapReceipts(this WebApplication app) => app.MapReceiptsApi();
}
