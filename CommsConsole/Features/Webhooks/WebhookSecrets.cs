using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace CommsConsole.Features.Webhooks;

/// <summary>
/// Endpoints' signing secrets: <c>whsec_</c> and the base64 of 32 random bytes (the Standard Webhooks form), kept
/// encrypted with the app's Data Protection keys as provider secrets are, readable by every node.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider protection)
{
    public const string Prefix = "whsec_";
    private readonly IDataProtector _protector = protection.CreateProtector("CommsConsole.Webhooks.Secrets.v1");

    public static string NewSecret() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
