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
    public async Task<HttpResponseMessage> SignInAsync(string email, string password, string? returnUrl = null)
    {
        var page = await Client.GetStringAsync("/Account/Login");
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), "the sign-in form has no antiforgery token");
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login", ["__RequestVerificationToken"] = token, ["Input.Email"] = email, ["Input.Password"] = password,
        });
        return await Client.PostAsync("/Account/Login" + (returnUrl is null ? "" : "?ReturnUrl=" + Uri.EscapeDataString(returnUrl)), form);
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
