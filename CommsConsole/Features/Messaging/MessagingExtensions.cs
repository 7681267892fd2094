namespace CommsConsole.Features.Messaging;

public static class MessagingExtensions
{
    /// <summary>Accepting sends (single, bulk, scheduled), composing them in the console, the log and its export.</summary>
    public static void AddMessaging(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section);
        services.AddMemoryCache();
        services.AddScoped<MessageLedger>();
        services.AddScoped<SendPlanner>();
        services.AddScoped<MessagingService>();
        services.AddScoped<ComposeService>();
        services.AddScoped<LogExport>();
        services.AddLogReadLimit();
    }

    /// <summary>The communication API and the notification SMS API.</summary>
    public static void MapMessaging(this WebApplication app)
    {
        app.MapCommunicationApi();
        app.MapNotificationSmsApi();
    }
}
