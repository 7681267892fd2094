using System.Text.Json.Serialization;
using CommsConsole.Features.Messaging;

namespace CommsConsole.Features.Providers;

/// <summary>A tenant's primary provider of a channel, or the one its messages go to while the primary is failing.</summary>
public enum ProviderRole { Primary, Fallback }

public static class ProviderKinds
{
    public const string Simulated = "simulated";
    public const string Submail = "submail";
    public const string Smtp = "smtp";

    /// <summary>The kinds that can carry a channel.</summary>
    public static IReadOnlyList<string> For(Channel channel) => channel == Channel.Sms ? [Simulated, Submail] : [Simulated, Smtp];
}

/// <summary>
/// A tenant's provider account for one channel and role. The settings are kept as JSON without their secrets; the
/// secrets (app key, SUBHOOK key, SMTP password) are encrypted with the app's Data Protection keys and never shown back.
/// </summary>
public class ProviderAccount
{
    public int Id { get; set; }
    public required string TenantId { get; set; }
    public Channel Channel { get; set; }
    public ProviderRole Role { get; set; }
    public required string Kind { get; set; }
    public required string Settings { get; set; }
    public string? ProtectedSecrets { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public required string UpdatedBy { get; set; }
}

/// <summary>
/// Every setting a provider account may have; which ones apply depends on the kind. Secrets are write-only: a blank
/// secret when saving keeps the one stored. The JSON names are those of /admin/providers.
/// </summary>
public record ProviderSettings
{
    // SUBMAIL (document 002)
    [JsonPropertyName("app_id")] public string? AppId { get; init; }
    [JsonPropertyName("app_key")] public string? AppKey { get; init; }
    [JsonPropertyName("sign_type")] public string? SignType { get; init; }
    [JsonPropertyName("base_url")] public string? BaseUrl { get; init; }
    [JsonPropertyName("signature")] public string? Signature { get; init; }
    [JsonPropertyName("subhook_key")] public string? SubhookKey { get; init; }

    // SMTP
    [JsonPropertyName("host")] public string? Host { get; init; }
    [JsonPropertyName("port")] public int? Port { get; init; }
    [JsonPropertyName("security")] public string? Security { get; init; }
    [JsonPropertyName("user_name")] public string? UserName { get; init; }
    [JsonPropertyName("password")] public string? Password { get; init; }
    [JsonPropertyName("from_address")] public string? FromAddress { get; init; }
    [JsonPropertyName("from_name")] public string? FromName { get; init; }
    [JsonPropertyName("timeout_seconds")] public int? TimeoutSeconds { get; init; }

    // Every kind
    [JsonPropertyName("unit_price")] public decimal? UnitPrice { get; init; }
    [JsonPropertyName("messages_per_second")] public int? MessagesPerSecond { get; init; }
    [JsonPropertyName("max_concurrency")] public int? MaxConcurrency { get; init; }

    /// <summary>The settings alone (whatever record derives from them), without their secrets.</summary>
    public ProviderSettings WithoutSecrets() => new ProviderSettings(this) { AppKey = null, SubhookKey = null, Password = null };
}

/// <summary>The secrets of an account, as stored (encrypted) apart from its other settings.</summary>
public sealed record ProviderSecrets(string? AppKey, string? SubhookKey, string? Password)
{
    public static ProviderSecrets Of(ProviderSettings s) => new(s.AppKey, s.SubhookKey, s.Password);
}
