using CommsConsole.Features.Dispatch;
using CommsConsole.Features.Providers;
using CommsConsole.Features.Security;
using CommsConsole.Features.Templates;
using CommsConsole.Features.Tenancy;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Logging;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using CommsConsole.Data;
using Polly;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Messaging;

public static class MessagingExtensions
{
    /// <summary>Sending, templates, providers and background dispatch on Hangfire.</summary>
    public static void AddMessaging(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DispatchOptions>().BindConfiguration(DispatchOptions.Section);
        services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section);
        services.AddOptions<TemplateLimits>().BindConfiguration("Templates");
        services.AddOptions<SimulatedProviderOptions>().BindConfiguration(SimulatedProviderOptions.Section);
        services.AddSingleton(TimeProvider.System);
        services.AddMemoryCache();

        services.AddSingleton<LiquidTemplateEngine>();
        services.AddScoped<TemplateService>();
        services.AddScoped<MessagingService>();
        services.AddScoped<ComposeService>();
        services.AddScoped<LogExport>();
        services.AddScoped<Campaigns.BatchService>();
        services.AddScoped<Dashboard.DashboardService>();
        services.AddSingleton<SimulatedProvider>();
        services.AddOptions<ProvidersOptions>().BindConfiguration(ProvidersOptions.Section);
        services.AddOptions<Providers.Submail.SubmailOptions>().BindConfiguration("Providers:Submail");
        services.AddOptions<Providers.Smtp.SmtpOptions>().BindConfiguration("Providers:Smtp");
        services.AddOptions<CircuitOptions>().BindConfiguration(CircuitOptions.Section);
        services.AddOptions<ProviderHttpOptions>().BindConfiguration(ProviderHttpOptions.Section);
        services.AddNetworkTargetGuard();
        // The installation's SUBMAIL (trusted configuration) and tenants' SUBMAIL accounts, whose every connection goes
        // through the network target guard. Neither reads an answer of more than MaxAnswerBytes.
        AddSubmailHttpClient(services, ProviderAccountFactory.SubmailHttpClient);
        AddSubmailHttpClient(services, ProviderAccountFactory.TenantSubmailHttpClient)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<NetworkTargetGuard>().CreateHandler());
        services.AddSingleton(sp => new Providers.Submail.SubmailProvider(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(ProviderAccountFactory.SubmailHttpClient),
            sp.GetRequiredService<IOptions<Providers.Submail.SubmailOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Providers.Smtp.SmtpProvider(sp.GetRequiredService<IOptions<Providers.Smtp.SmtpOptions>>().Value));
        services.AddSingleton<InstallationProviders>();
        services.AddSingleton<IAccountMail, InstallationAccountMail>();
        services.AddSingleton<ProviderAccountFactory>();
        services.AddSingleton<TenantProviderResolver>();
        services.AddSingleton<IProviderResolver>(sp => sp.GetRequiredService<TenantProviderResolver>());
        services.AddScoped<ProviderSettingsService>();
        services.AddScoped<Receipts.SubhookReceiver>();
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

    /// <summary>Timeouts and a circuit breaker per SUBMAIL host, but no retry: a retried batchsend could send twice;
    /// retries belong to dispatch, which knows what was sent.</summary>
    private static IHttpClientBuilder AddSubmailHttpClient(IServiceCollection services, string name)
    {
        var builder = services.AddHttpClient(name, c =>
        {
            c.Timeout = Timeout.InfiniteTimeSpan;
            c.MaxResponseContentBufferSize = Providers.Submail.SubmailProvider.MaxAnswerBytes;
        });
        builder.AddResilienceHandler(name, (pipeline, context) =>
        {
            var http = context.ServiceProvider.GetRequiredService<IOptions<ProviderHttpOptions>>().Value;
            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = Math.Clamp(http.CircuitFailureRatio, 0.01, 1),
                MinimumThroughput = Math.Max(2, http.CircuitMinimumThroughput),
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(0.5, http.CircuitSamplingSeconds)),
                BreakDuration = TimeSpan.FromSeconds(Math.Max(0.5, http.CircuitBreakSeconds)),
                // A refused address is the account's fault, not the host's: it fails its messages for good, alone.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception?.InnerException is not NetworkTargetRefusedException
                    && HttpClientResiliencePredicates.IsTransient(args.Outcome)),
            });
            // Inside the breaker, so that a request that times out counts as a failure of the host.
            pipeline.AddTimeout(TimeSpan.FromSeconds(Math.Max(0.1, http.TimeoutSeconds)));
        }).SelectPipelineByAuthority();
        return builder;
    }

    public static void MapMessaging(this WebApplication app)
    {
        app.MapCommunicationApi();
        app.MapNotificationSmsApi();
        Receipts.ReceiptsApi.MapReceiptsApi(app);
        app.MapProvidersApi();
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [], AppPath = "/" })
            .RequireAuthorization(TenancyExtensions.HangfirePolicy);
    }
}
