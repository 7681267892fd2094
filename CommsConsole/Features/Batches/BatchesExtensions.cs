namespace CommsConsole.Features.Batches;

public static class BatchesExtensions
{
    /// <summary>Batches: their listing, progress, cancelling and resending.</summary>
    public static void AddBatches(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<BatchService>();
    }
}
