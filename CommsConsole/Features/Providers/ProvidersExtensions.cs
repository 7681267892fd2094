using CommsConsole.Features.Security;
using CommsConsole.Features.Tenancy;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace CommsConsole.Features.Providers;

public static class ProvidersExtensions
{
    /// <summary>The installation's providers (simulated, SUBMAIL, SMTP), tenants' provider accounts and their resolver.</summary>
    public static void AddProviders(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SimulatedProviderOptions>().BindConfiguration(SimulatedProviderOptions.Section);
        services.AddMemoryCache();
        services.AddSingleton<SimulatedProvider>();
        services.AddOptions<ProvidersOptions>().BindConfiguration(ProvidersOptions.Section);
        services.AddOptions<Submail.SubmailOptions>().BindConfiguration("Providers:Submail");
        services.AddOptions<Smtp.SmtpOptions>().BindConfiguration("Providers:Smtp");
        services.AddOptions<CircuitOptions>().BindConfiguration(CircuitOptions.Section);
        services.AddOptions<ProviderHttpOptions>().BindConfiguration(ProviderHttpOptions.Section);
        services.AddNetworkTargetGuard();
        // The installation's SUBMAIL (trusted configuration) and tenants' SUBMAIL accounts, whose every connection goes
        // through the network target guard. Neither reads an answer of more than MaxAnswerBytes.
        AddSubmailHttpClient(services, ProviderAccountFactory.SubmailHttpClient);
        AddSubmailHttpClient(services, ProviderAccountFactory.TenantSubmailHttpClient)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<NetworkTargetGuard>().CreateHandler());
        services.AddSingleton(sp => new Submail.SubmailProvider(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(ProviderAccountFactory.SubmailHttpClient),
            sp.GetRequiredService<IOptions<Submail.SubmailOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Smtp.SmtpProvider(sp.GetRequiredService<IOptions<Smtp.SmtpOptions>>().Value));
        services.AddSingleton<InstallationProviders>();
        services.AddSingleton<IAccountMail, InstallationAccountMail>();
        services.AddSingleton<ProviderAccountFactory>();
        services.AddSingleton<TenantProviderResolver>();
        services.AddSingleton<IProviderResolver>(sp => sp.GetRequiredService<TenantProviderResolver>());
        services.AddScoped<ProviderSettingsService>();
    }

    /// <summary>Timeouts and a circuit breaker per SUBMAIL host, but no retry: a retried batchsend could send twice;
    /// retries belong to dispatch, which knows what was sent.</summary>
    private static IHttpClientBuilder AddSubmailHttpClient(IServiceCollection services, string name)
    {
        var builder = services.AddHttpClient(name, c =>
        {
            c.Timeout = Timeout.InfiniteTimeSpan;
            c.MaxResponseContentBufferSize = Submail.SubmailProvider.MaxAnswerBytes;
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

    public static void MapProviders(this WebApplication app) => app.MapProvidersApi();
}
