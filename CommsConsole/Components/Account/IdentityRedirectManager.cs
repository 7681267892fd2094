using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using CommsConsole.Data;

namespace CommsConsole.Components.Account;

internal sealed class IdentityRedirectManager(NavigationManager navigationManager)
{
    public const string StatusCookieName = "Identity.StatusMessage";

    private static readonly CookieBuilder StatusCookieBuilder = new()
    {
        SameSite = SameSiteMode.Strict,
        HttpOnly = true,
        IsEssential = true,
        MaxAge = TimeSpan.FromSeconds(5),
    };

    public void RedirectTo(string? uri)
    {
        uri ??= "";
        var basePath = new Uri(navigationManager.BaseUri).AbsolutePath;
        // Our own absolute URLs (the return URL a page hands to the sign-in) and the pages' relative links
        // ("Account/Lockout") become paths of this site; whatever else comes from a query string must already be one.
        if (uri.StartsWith(navigationManager.BaseUri, StringComparison.OrdinalIgnoreCase))
            uri = basePath + navigationManager.ToBaseRelativePath(uri);
        else if (uri.Length > 0 && char.IsAsciiLetterOrDigit(uri[0]) && Uri.IsWellFormedUriString(uri, UriKind.Relative))
            uri = basePath + uri;

        // Prevent open redirects.
        navigationManager.NavigateTo(LocalUrl.OrHome(uri));
    }

    public void RedirectTo(string uri, Dictionary<string, object?> queryParameters)
    {
        var uriWithoutQuery = navigationManager.ToAbsoluteUri(uri).GetLeftPart(UriPartial.Path);
        var newUri = navigationManager.GetUriWithQueryParameters(uriWithoutQuery, queryParameters);
        RedirectTo(newUri);
    }

    public void RedirectToWithStatus(string uri, string message, HttpContext context)
    {
        context.Response.Cookies.Append(StatusCookieName, message, StatusCookieBuilder.Build(context));
        RedirectTo(uri);
    }

    private string CurrentPath => navigationManager.ToAbsoluteUri(navigationManager.Uri).GetLeftPart(UriPartial.Path);

    public void RedirectToCurrentPage() => RedirectTo(CurrentPath);

    public void RedirectToCurrentPageWithStatus(string message, HttpContext context)
        => RedirectToWithStatus(CurrentPath, message, context);

    public void RedirectToInvalidUser(UserManager<ApplicationUser> userManager, HttpContext context)
        => RedirectToWithStatus("Account/InvalidUser", $"Error: Unable to load user with ID '{userManager.GetUserId(context.User)}'.", context);
}
