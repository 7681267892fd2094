using CommsConsole.Data;
using CommsConsole.Features.Tenancy;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Logging;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Dispatch;

public static class DispatchExtensions
{
    /// <summary>Background dispatch on Hangfire: the job, its queue, the sweeper, and Hangfire's storage and server.</summary>
    public static void AddDispatch(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DispatchOptions>().BindConfiguration(DispatchOptions.Section);
        services.AddSingleton<DispatchQueue>();
        services.AddTransient<DispatchJob>();
        services.AddHostedService<DispatchSweeper>();

        // A storage per app rather than Hangfire's global JobStorage.Current, so that each host
        // (and each test host) dispatches its own work. The message rows, not the job storage, are the truth; the storage
        // keeps job history, recurring jobs and scheduled wake-ups through a restart.
        // On SQLite the jobs live in a file of their own beside the database (Hangfire.Storage.SQLite), so Hangfire's
        // writes never queue behind the app's. On PostgreSQL they live on the same server, so every node's workers take
        // jobs that any node enqueued (Hangfire.PostgreSql fetches with FOR UPDATE SKIP LOCKED; NOTIFY wakes idle workers at once).
        // Hangfire's log provider is process-wide: point it at this host's loggers before the storage logs.
        services.AddSingleton<JobStorage>(sp =>
        {
            LogProvider.SetCurrentLogProvider(new AspNetCoreLogProvider(sp.GetRequiredService<ILoggerFactory>()));
            var database = sp.GetRequiredService<DatabaseInfo>();
            if (!database.IsPostgres)
            {
                // An idle worker looks for a job this often: a kick waits at most this long for a worker to take it.
                return new SQLiteStorage(database.JobsPath!, new SQLiteStorageOptions { QueuePollInterval = TimeSpan.FromMilliseconds(100) });
            }
            var options = new PostgreSqlStorageOptions
            {
                SchemaName = "hangfire",
                PrepareSchemaIfNecessary = true,
                EnableLongPolling = true,
                QueuePollInterval = TimeSpan.FromSeconds(1),
            };
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(database.ConnectionString, options), options);
        });
        services.AddHangfire(config => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddHangfireServer((sp, options) =>
        {
            options.WorkerCount = sp.GetRequiredService<IOptions<DispatchOptions>>().Value.Workers;
            options.ServerName = sp.GetRequiredService<IOptions<DispatchOptions>>().Value.Node;
            // Scheduled sends wake dispatch at their time, not up to Hangfire's default 15 s later.
            options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
    }

    /// <summary>Hangfire's dashboard, for the SystemAdmin's console session only.</summary>
    public static void MapDispatch(this WebApplication app)
    {
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [], AppPath = "/" })
            .RequireAuthorization(TenancyExtensions.HangfirePolicy);
    }
}
