using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CommsConsole.Features.Providers.Submail;

/// <summary>
/// Builds the form of a SUBMAIL request and its <c>signature</c> as the API's authorisation rules say:
/// with <c>sign_type=normal</c> the app key itself; with md5/sha1 a lower-case hex digest of
/// <c>appid + appkey + "k1=v1&amp;k2=v2…" + appid + appkey</c>, where the pairs are every submitted parameter
/// except <c>signature</c> and <c>tag</c> (which SUBMAIL leaves out of signing), sorted by name (ordinal) and
/// written as they are (not URL-encoded).
/// </summary>
public sealed class SubmailSigner(SubmailOptions options, TimeProvider clock)
{
    public const string Normal = "normal";
    public const string Md5 = "md5";
    public const string Sha1 = "sha1";

    /// <summary>Parameters that are submitted but never signed.</summary>
    private static readonly HashSet<string> Unsigned = new(StringComparer.Ordinal) { "signature", "tag" };

    public string SignType { get; } = NormaliseSignType(options.SignType);

    /// <summary>
    /// Adds <c>appid</c>, <c>timestamp</c> (UNIX seconds now), <c>sign_type</c> and <c>signature</c> to the
    /// request's own parameters and answers the whole form, in a stable order.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> BuildForm(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("appid", options.AppId),
        };
        foreach (var p in parameters)
        {
            if (p.Key is "appid" or "timestamp" or "sign_type" or "signature")
                throw new ArgumentException($"'{p.Key}' is set by the signer", nameof(parameters));
            form.Add(p);
        }
        form.Add(new("timestamp", clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        form.Add(new("sign_type", SignType));
        form.Add(new("signature", Sign(form, options.AppId, options.AppKey, SignType)));
        return form;
    }

    /// <summary>The <c>signature</c> for these parameters (those named signature or tag are ignored).</summary>
    public static string Sign(IEnumerable<KeyValuePair<string, string>> parameters, string appId, string appKey, string signType)
    {
        var type = NormaliseSignType(signType);
        if (type == Normal) return appKey;
        var text = SigningString(parameters, appId, appKey);
        var bytes = Encoding.UTF8.GetBytes(text);
        var digest = type == Md5 ? MD5.HashData(bytes) : SHA1.HashData(bytes);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>The text that is hashed: appid + appkey + sorted "k=v&amp;k=v" + appid + appkey.</summary>
    public static string SigningString(IEnumerable<KeyValuePair<string, string>> parameters, string appId, string appKey)
    {
        var pairs = parameters
            .Where(p => !Unsigned.Contains(p.Key))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value);
        return appId + appKey + string.Join('&', pairs) + appId + appKey;
    }

    private static string NormaliseSignType(string? signType) => (signType ?? "").Trim().ToLowerInvariant() switch
    {
        "" or Md5 => Md5,
        Sha1 => Sha1,
        Normal => Normal,
        var other => throw new ArgumentException($"Unknown SUBMAIL sign_type '{other}'; use normal, md5 or sha1", nameof(signType)),
    };
}
