using System.Security.Cryptography;
using System.Text;

namespace CommsConsole.Tests.Infrastructure;

/// <summary>SUBHOOK events as SUBMAIL posts them: form fields, a token and its signature (md5 of the token and the key).</summary>
public static class Subhook
{
    public static string Sign(string token, string key = AppFactory.SubhookKey) =>
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(token + key)));

    /// <summary>The given fields, dated now unless they carry a timestamp, with a fresh token (unless given) signed with <paramref name="key"/>.</summary>
    public static Dictionary<string, string> Fields(IReadOnlyDictionary<string, string> fields, string key = AppFactory.SubhookKey, string? token = null)
    {
        var all = new Dictionary<string, string>(fields);
        all.TryAdd("timestamp", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString());
        all["token"] = token ?? Guid.NewGuid().ToString("N");
        all["signature"] = Sign(all["token"], key);
        return all;
    }

    public static FormUrlEncodedContent Form(IReadOnlyDictionary<string, string> fields, string key = AppFactory.SubhookKey, string? token = null) =>
        new(Fields(fields, key, token));
}
