using System.Security.Cryptography;
using System.Text;
using CommsConsole.Testing;

namespace CommsConsole.Tests.Features.Webhooks;

/// <summary>Checks a request the test receiver (<see cref="WebhookReceiver"/>) got as an integrator would.</summary>
public static class StandardWebhooks
{
    /// <summary>
    /// The Standard Webhooks scheme written out independently of the app's package: HMAC-SHA256 with the secret's base64
    /// bytes over <c>id.timestamp.body</c>, base64, and any one of the header's space-separated <c>v1,</c> signatures matching.
    /// </summary>
    public static bool Verifies(string secret, WebhookReceiver.Received r)
    {
        Assert.StartsWith("whsec_", secret);
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{r.Id}.{r.Timestamp}.{r.Body}")));
        return r.Signature.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(s => s.StartsWith("v1,", StringComparison.Ordinal)
                && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s[3..]), Encoding.ASCII.GetBytes(expected)));
    }
}
