namespace CommsConsole.Features.Providers;

/// <summary>The secrets of an account, as stored (encrypted) apart from its other settings.</summary>
public sealed record ProviderSecrets(string? AppKey, string? SubhookKey, string? Password)
{
    public static ProviderSecrets Of(ProviderSettings s) => new(s.AppKey, s.SubhookKey, s.Password);
}
