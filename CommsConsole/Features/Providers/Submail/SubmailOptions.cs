namespace CommsConsole.Features.Providers.Submail;

/// <summary>Settings of one SUBMAIL SMS application (document 002).</summary>
public sealed class SubmailOptions
{
    public string AppId { get; set; } = "";
    public string AppKey { get; set; } = "";
    /// <summary>"normal" (the app key is sent as the signature), "md5" or "sha1" (a digest of the parameters is sent).</summary>
    public string SignType { get; set; } = "md5";
    public string BaseUrl { get; set; } = "https://api-v4.mysubmail.com";
    /// <summary>The 【…】 text SUBMAIL requires at the very start of every SMS, e.g. "【CommsConsole】".</summary>
    public string Signature { get; set; } = "";
    /// <summary>The key SUBHOOK delivery reports are signed with (md5 of the report's token followed by this key).</summary>
    public string SubhookKey { get; set; } = "";
    /// <summary>
    /// SUBHOOK events whose timestamp is further than this from now are refused, and each event's token is taken once
    /// within it (the signature covers only the token, so a captured token must not carry another event).
    /// </summary>
    public int SubhookReplayWindowSeconds { get; set; } = 600;
    /// <summary>
    /// How long a taken token is remembered. A token forgotten could be sent again with a fresh timestamp, which its
    /// signature does not cover, so it is kept far beyond the window: as long as messages are by default.
    /// </summary>
    public int SubhookTokenDays { get; set; } = 180;
    /// <summary>Price of one billed unit (SUBMAIL's <c>fee</c>).</summary>
    public decimal UnitPrice { get; set; } = 0.05m;
}
