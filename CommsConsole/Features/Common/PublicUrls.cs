using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Common;

/// <summary>
/// The base of every link the app puts in a message (unsubscribe links, password resets, invitations): configured, never
/// taken from a request's Host header, so a request cannot make the app mail out a link to another site.
/// </summary>
public sealed class PublicUrls(IOptions<AppUrlOptions> urls, IServer server)
{
    /// <summary><c>App:PublicBaseUrl</c>, else the first address the server listens on.</summary>
    public string BaseUrl()
    {
        var configured = urls.Value.PublicBaseUrl;
        if (!string.IsNullOrWhiteSpace(configured)) return configured.TrimEnd('/');
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost:5000";
        return address.Replace("://[::]", "://localhost").Replace("://0.0.0.0", "://localhost").Replace("://+", "://localhost").Replace("://*", "://localhost").TrimEnd('/');
    }

    /// <summary>A path of the app (with its query) as an absolute link.</summary>
    public string Absolute(string pathAndQuery) => BaseUrl() + "/" + pathAndQuery.TrimStart('/');

    public static void Register(IServiceCollection services)
    {
        services.AddOptions<AppUrlOptions>().BindConfiguration(AppUrlOptions.Section);
        services.AddSingleton<PublicUrls>();
    }
}
