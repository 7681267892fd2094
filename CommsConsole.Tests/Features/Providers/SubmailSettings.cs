using CommsConsole.Testing;

namespace CommsConsole.Tests.Features.Providers;

/// <summary>App settings that make SUBMAIL, at the fake server, the installation's SMS provider; <c>extra</c> adds or overrides.</summary>
public static class SubmailSettings
{
    public static Dictionary<string, string?> For(FakeSubmailServer server, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Providers:Sms"] = "submail",
            ["Providers:Submail:BaseUrl"] = server.BaseUrl.ToString().TrimEnd('/'),
            ["Providers:Submail:AppId"] = FakeSubmailServer.AppId,
            ["Providers:Submail:AppKey"] = FakeSubmailServer.AppKey,
            ["Providers:Submail:Signature"] = "【CommsConsole】",
        };
        foreach (var (key, value) in extra ?? []) settings[key] = value;
        return settings;
    }
}
