using Microsoft.AspNetCore.RateLimiting;

namespace CommsConsole.Features.Tracking;

public static class TrackingExtensions
{
    /// <summary>Open and click tracking: the links and pixel of tracked email, the endpoints that record hits, and the figures.</summary>
    public static void AddTracking(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TrackingOptions>().BindConfiguration(TrackingOptions.Section);
        services.AddSingleton<TrackingLinks>();
        services.AddScoped<EmailTracking>();
        services.AddScoped<EngagementRecorder>();
        services.AddScoped<EngagementService>();
        services.AddRateLimiter(limiter => limiter.AddPolicy<string, TrackingRateLimitPolicy>(TrackingEndpoints.RateLimitPolicy));
    }

    public static void MapTracking(this WebApplication app)
    {
        app.Services.GetRequiredService<TrackingLinks>().LoadKey();
        app.MapTrackingEndpoints();
        app.MapEngagementApi();
    }
}
