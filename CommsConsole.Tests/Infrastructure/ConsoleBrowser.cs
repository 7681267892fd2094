using System.Text.RegularExpressions;

namespace CommsConsole.Tests.Infrastructure;

/// <summary>A browser without a browser: a cookie-keeping client that posts the console's sign-in form with its antiforgery token.</summary>
public sealed partial class ConsoleBrowser(Uri baseAddress) : IDisposable
{
    public ConsoleBrowser(AppFactory app) : this(app.BaseAddress)
    {
    }

    public const string SessionCookie = ".AspNetCore.Identity.Application";

    /// <summary>Over real HTTP to the app's port, keeping cookies and showing redirects rather than following them.</summary>
    public HttpClient Client { get; } = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new() })
    {
        BaseAddress = baseAddress,
    };

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    /// <summary>Posts the sign-in form; the answer is the redirect the form gives.</summary>
    public Task<HttpResponseMessage> SignInAsync(string email, string password, string? returnUrl = null) =>
        PostFormAsync("/Account/Login" + (returnUrl is null ? "" : "?ReturnUrl=" + Uri.EscapeDataString(returnUrl)), "login",
            new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = password });

    /// <summary>
    /// Opens a statically rendered form page and posts its form <paramref name="handler"/> with the page's antiforgery
    /// token, as a browser would; <paramref name="host"/> sends another Host header with the post.
    /// </summary>
    public async Task<HttpResponseMessage> PostFormAsync(string pathAndQuery, string handler, IDictionary<string, string> fields, string? host = null)
    {
        var page = await Client.GetStringAsync(pathAndQuery);
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), $"the form at {pathAndQuery} has no antiforgery token");
        var form = new Dictionary<string, string>(fields) { ["_handler"] = handler, ["__RequestVerificationToken"] = token };
        using var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery) { Content = new FormUrlEncodedContent(form) };
        if (host is not null) request.Headers.Host = host;
        return await Client.SendAsync(request);
    }

    /// <summary>Whether the answer set the console's session cookie.</summary>
    public static bool StartsSession(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith(SessionCookie + "=", StringComparison.Ordinal));

    /// <summary>Where a redirect leads, resolved against the app: its authority and path.</summary>
    public Uri Target(HttpResponseMessage response)
    {
        Assert.True((int)response.StatusCode is >= 300 and < 400, $"expected a redirect, got {(int)response.StatusCode}");
        return new Uri(baseAddress, response.Headers.Location!);
    }

    public void Dispose() => Client.Dispose();
}
