using Hangfire;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Compliance;

public static class ComplianceExtensions
{
    /// <summary>The marketing gate, opt-outs, unsubscribe links, tenant policies, SMS replies, send rate limits and the retention purge.</summary>
    public static void AddCompliance(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ComplianceOptions>().BindConfiguration(ComplianceOptions.Section);
        services.AddScoped<PolicyService>();
        services.AddScoped<SuppressionService>();
        services.AddScoped<MarketingGate>();
        services.AddScoped<InboundReplies>();
        services.AddSingleton<UnsubscribeLinks>();
        services.AddTransient<RetentionJob>();
        services.AddSingleton<SendRateLimit>();
    }

    public static void MapCompliance(this WebApplication app)
    {
        app.MapUnsubscribe();
        var cron = app.Services.GetRequiredService<IOptions<ComplianceOptions>>().Value.RetentionCron;
        app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<RetentionJob>(RetentionJob.RecurringId, j => j.RunAsync(CancellationToken.None), cron);
    }
}
