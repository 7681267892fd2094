using CommsConsole.Features.Audiences.Import;
using CommsConsole.Features.Messaging;
using Hangfire;

namespace CommsConsole.Features.Audiences;

public static class AudiencesExtensions
{
    /// <summary>Contacts, their consent (through the opt-out list), static lists, segments, CSV imports and the rights over a person's data.</summary>
    public static void AddAudiences(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ContactService>();
        builder.Services.AddScoped<ContactListService>();
        builder.Services.AddScoped<SegmentService>();
        builder.Services.AddScoped<ContactPrivacyService>();
        builder.Services.AddScoped<ContactCsvExport>();
        builder.Services.AddOptions<ContactImportOptions>().BindConfiguration("Imports");
        builder.Services.AddSingleton<ContactImportFiles>();
        builder.Services.AddScoped<ContactImportService>();
        builder.Services.AddScoped<ContactImportWriter>();
        builder.Services.AddTransient<ContactImportJob>();
        builder.Services.AddHostedService<ContactImportRecovery>();
        // Imports get a worker of their own on the queue of this node (which holds the files): a long import never takes
        // a dispatch worker, and an import never waits behind dispatch.
        builder.Services.AddHangfireServer((sp, options) =>
        {
            var files = sp.GetRequiredService<ContactImportFiles>();
            options.Queues = [files.Queue];
            options.WorkerCount = 1;
            options.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:imports";
        });
        builder.Services.AddScoped<AudienceService>();
        builder.Services.AddScoped<IAudienceResolver>(sp => sp.GetRequiredService<AudienceService>());
    }

    public static void MapAudiences(this WebApplication app)
    {
        app.MapAudiencesApi();
        app.MapSegmentsApi();
        app.MapContactImportApi();
    }
}
