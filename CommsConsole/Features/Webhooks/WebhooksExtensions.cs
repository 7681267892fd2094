using CommsConsole.Features.Security;

namespace CommsConsole.Features.Webhooks;

public static class WebhooksExtensions
{
    /// <summary>Outbound webhooks: endpoints, the outbox that records events, and the worker that delivers them.</summary>
    public static void AddWebhooks(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section);
        services.AddSingleton<WebhookSubscriptions>();
        services.AddSingleton<WebhookSignal>();
        services.AddSingleton<WebhookOutbox>();
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookSender>();
        services.AddScoped<WebhookEndpointService>();
        services.AddHostedService<WebhookDeliveryWorker>();
        // Tenants choose these destinations: every connection goes through the network target guard, with no proxy and no
        // redirects; each attempt's deadline is the sender's own.
        services.AddHttpClient(WebhookSender.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<NetworkTargetGuard>().CreateHandler());
    }

    public static void MapWebhooks(this WebApplication app) => app.MapWebhooksApi();
}
