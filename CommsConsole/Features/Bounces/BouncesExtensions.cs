using Hangfire;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Bounces;

public static class BouncesExtensions
{
    /// <summary>Email bounces: from the SMTP conversation and from the tenants' bounce mailboxes, with their effects and figures.</summary>
    public static void AddBounces(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<BounceOptions>().BindConfiguration(BounceOptions.Section);
        builder.Services.AddScoped<BounceRecorder>();
        builder.Services.AddScoped<BounceService>();
        builder.Services.AddScoped<BounceSettingsService>();
        builder.Services.AddScoped<BounceMailboxReader>();
        builder.Services.AddTransient<BounceMailboxJob>();
    }

    public static void MapBounces(this WebApplication app)
    {
        app.MapBouncesApi();
        var cron = app.Services.GetRequiredService<IOptions<BounceOptions>>().Value.MailboxCron;
        app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<BounceMailboxJob>(BounceMailboxJob.RecurringId, j => j.RunAsync(CancellationToken.None), cron);
    }
}
