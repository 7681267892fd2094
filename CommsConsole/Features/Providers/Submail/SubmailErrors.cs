namespace CommsConsole.Features.Providers.Submail;

/// <summary>
/// Whether a SUBMAIL error code is worth retrying. The table is deliberately small (codes from SUBMAIL's
/// "API 错误代码" page); a code it does not know is treated as transient, so dispatch retries it a few times
/// with backoff and then gives up.
/// <list type="table">
/// <item><term>101–111, 113, 116–120</term><description>permanent: wrong or disabled appid, account, developer,
/// sign_type, signature or app key, IP allow-list, fixed-signature/template errors, no permission to the API.</description></item>
/// <item><term>112</term><description>permanent: the app's subscription system is disabled.</description></item>
/// <item><term>114</term><description>permanent: the number is on the account's block list.</description></item>
/// <item><term>115</term><description>transient: too many requests for this number right now.</description></item>
/// <item><term>151, 152</term><description>permanent: wrong or stale UNIX timestamp (a clock or signing fault that
/// retrying does not fix).</description></item>
/// <item><term>400–499</term><description>permanent: content, SMS signature and template rejections
/// (e.g. 420, the template failed manual review).</description></item>
/// <item><term>anything else</term><description>transient.</description></item>
/// </list>
/// </summary>
public static class SubmailErrors
{
    public static bool IsPermanent(string? code)
    {
        if (!int.TryParse(code, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            return false;
        return n switch
        {
            115 => false,
            >= 101 and <= 120 => true,
            151 or 152 => true,
            >= 400 and <= 499 => true,
            _ => false,
        };
    }
}
