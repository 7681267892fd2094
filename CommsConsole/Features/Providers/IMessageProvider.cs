using CommsConsole.Features.Messaging;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Providers;

/// <summary>What a provider is given to send: ids and the rendered row, never a template.</summary>
public sealed record OutboundMessage(long Id, long BatchId, string TenantId, Channel Channel, string Recipient, string? Subject, string Content, int Segments)
{
    /// <summary>Extra email headers (List-Unsubscribe and List-Unsubscribe-Post on marketing email), set by dispatch.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>An email whose template is HTML (<see cref="Message.IsHtml"/>); otherwise the content is sent as plain text.</summary>
    public bool IsHtml { get; init; }
}

public enum SendResultKind { Sent, TransientFailure, PermanentFailure }

public sealed record SendResult(long MessageId, SendResultKind Kind, string? ThirdPartyId = null, string? ThirdPartyStatus = null,
    string? Response = null, string? Error = null, decimal Cost = 0m, string? Provider = null)
{
    public static SendResult Transient(long id, string error, string? response = null) => new(id, SendResultKind.TransientFailure, Error: error, Response: response);
    public static SendResult Permanent(long id, string error, string? response = null) => new(id, SendResultKind.PermanentFailure, Error: error, Response: response);

    /// <summary>The most of a provider's answer (and of the error made of it) that a message keeps.</summary>
    public const int MaxResponseLength = 2_000;
    /// <summary>The most of a provider's id or status of a message that is kept.</summary>
    public const int MaxThirdPartyLength = 200;

    /// <summary>
    /// The result as it may be stored and shown in logs: whatever a provider answers (it may be anything, and a tenant
    /// chooses the provider), each text is cut to a bound.
    /// </summary>
    public SendResult Bounded() => this with
    {
        ThirdPartyId = Cut(ThirdPartyId, MaxThirdPartyLength),
        ThirdPartyStatus = Cut(ThirdPartyStatus, MaxThirdPartyLength),
        Response = Cut(Response, MaxResponseLength),
        Error = Cut(Error, MaxResponseLength),
    };

    private static string? Cut(string? text, int max)
    {
        if (text is null || text.Length <= max) return text;
        var end = max - 1;
        if (char.IsHighSurrogate(text[end - 1])) end--;
        return text[..end] + "…";
    }
}

/// <summary>
/// A way out for one channel. Sends a chunk (through the provider's batch API where it has one) and
/// answers one result per message; an exception counts as a transient failure of the whole chunk.
/// </summary>
public interface IMessageProvider
{
    string Name { get; }
    /// <summary>Price of one SMS segment or one email, for estimates before sending.</summary>
    decimal UnitPrice { get; }
    bool Supports(Channel channel);
    Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken ct);
}

/// <summary>Chooses the provider that carries a tenant's messages on a channel.</summary>
public interface IProviderResolver
{
    ValueTask<IMessageProvider> ResolveAsync(string tenantId, Channel channel, CancellationToken ct);
}

public sealed class ProvidersOptions
{
    public const string Section = "Providers";
    /// <summary>"simulated" (default) or "submail" (settings under Providers:Submail).</summary>
    public string Sms { get; set; } = "simulated";
    /// <summary>"simulated" (default) or "smtp" (settings under Providers:Smtp).</summary>
    public string Email { get; set; } = "simulated";
}

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
