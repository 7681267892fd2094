using System.Text.Json.Serialization;

namespace CommsConsole.Features.Providers;

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

    /// <summary>The longest text each setting may hold, for the API's and the console's validation and the console's inputs.</summary>
    public static class Limits
    {
        public const int AppId = 64;
        public const int AppKey = 256;
        public const int SignType = 16;
        public const int BaseUrl = 2_048;
        public const int Signature = 20;
        public const int SubhookKey = 256;
        /// <summary>The longest DNS name (RFC 1035).</summary>
        public const int Host = 253;
        public const int Security = 16;
        public const int UserName = 256;
        public const int Password = 1_024;
        /// <summary>The longest address SMTP carries (RFC 5321).</summary>
        public const int FromAddress = 254;
        public const int FromName = 200;
    }

    /// <summary>Every text setting, by its JSON name, with its limit.</summary>
    private static readonly (string Field, int Max, Func<ProviderSettings, string?> Value)[] TextSettings =
    [
        ("app_id", Limits.AppId, s => s.AppId),
        ("app_key", Limits.AppKey, s => s.AppKey),
        ("sign_type", Limits.SignType, s => s.SignType),
        ("base_url", Limits.BaseUrl, s => s.BaseUrl),
        ("signature", Limits.Signature, s => s.Signature),
        ("subhook_key", Limits.SubhookKey, s => s.SubhookKey),
        ("host", Limits.Host, s => s.Host),
        ("security", Limits.Security, s => s.Security),
        ("user_name", Limits.UserName, s => s.UserName),
        ("password", Limits.Password, s => s.Password),
        ("from_address", Limits.FromAddress, s => s.FromAddress),
        ("from_name", Limits.FromName, s => s.FromName),
    ];

    /// <summary>The first text setting longer than its limit, as "field: at most N characters", or null.</summary>
    public ErrorText? TooLong()
    {
        foreach (var (field, max, value) in TextSettings)
        {
            if (value(this) is { } text && text.Length > max) return ErrorText.Of($"{field}: at most {max} characters");
        }
        return null;
    }

    /// <summary>
    /// Where the account's secret goes: a stored app key or password is sent to the server these name, so it is kept
    /// only while none of them changes.
    /// </summary>
    private static readonly (string Field, Func<ProviderSettings, object?> Value)[] Destination =
    [
        ("base_url", s => s.BaseUrl),
        ("app_id", s => s.AppId),
        ("host", s => s.Host),
        ("port", s => s.Port),
        ("user_name", s => s.UserName),
        ("security", s => s.Security),
    ];

    /// <summary>The first setting of the destination that differs from <paramref name="before"/>, or null.</summary>
    public string? DestinationChangedFrom(ProviderSettings before) =>
        Destination.FirstOrDefault(d => !Equals(d.Value(this), d.Value(before))).Field;
}
