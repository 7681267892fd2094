using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Providers;

/// <summary>
/// The installation's provider of each channel, chosen in configuration: what carries the messages of a tenant that
/// has configured no provider of its own.
/// </summary>
public sealed class InstallationProviders
{
    private readonly IMessageProvider _sms;
    private readonly IMessageProvider _email;

    public InstallationProviders(IOptions<ProvidersOptions> options, IServiceProvider services)
    {
        var o = options.Value;
        var config = services.GetRequiredService<IConfiguration>();
        _sms = o.Sms.Trim().ToLowerInvariant() switch
        {
            ProviderKinds.Simulated => services.GetRequiredService<SimulatedProvider>(),
            ProviderKinds.Submail => services.GetRequiredService<Submail.SubmailProvider>(),
            var other => throw new InvalidOperationException($"Providers:Sms '{other}' is not one of simulated, submail"),
        };
        _sms = Throttled(_sms, config.GetSection("Providers:Throttle:Sms").Get<ThrottleOptions>());
        _email = o.Email.Trim().ToLowerInvariant() switch
        {
            ProviderKinds.Simulated => services.GetRequiredService<SimulatedProvider>(),
            ProviderKinds.Smtp => services.GetRequiredService<Smtp.SmtpProvider>(),
            var other => throw new InvalidOperationException($"Providers:Email '{other}' is not one of simulated, smtp"),
        };
        _email = Throttled(_email, config.GetSection("Providers:Throttle:Email").Get<ThrottleOptions>());
    }

    internal static IMessageProvider Throttled(IMessageProvider provider, ThrottleOptions? throttle) =>
        throttle is { MessagesPerSecond: > 0 } or { MaxConcurrency: > 0 } ? new ThrottledProvider(provider, throttle) : provider;

    public IMessageProvider For(Channel channel) => channel == Channel.Sms ? _sms : _email;
}
