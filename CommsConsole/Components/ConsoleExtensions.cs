using System.Globalization;
using CommsConsole.Components.Account;
using CommsConsole.Components.Shared;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Localization;
using MudBlazor;
using MudBlazor.Services;

namespace CommsConsole.Components;

public static class ConsoleExtensions
{
    public static readonly string[] Cultures = ["en", "zh-CN"];

    /// <summary>The Blazor console: MudBlazor, localization, and the helpers its components share.</summary>
    public static void AddConsole(this WebApplicationBuilder builder)
    {
        // The Identity UI: the signed-in state for components, re-checked against the account while a circuit lives.
        // Registered before Razor components, whose own authentication state provider is only a fallback.
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<IdentityRedirectManager>();
        builder.Services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

        // SignalR's default of 32 KB per message ends the circuit without a word when a text field holds more, such as
        // 10,000 pasted recipients (the API's limit) or a template body near its 20,000 characters. 2 MB holds both
        // with room; what a field may hold is still decided by the services' own limits.
        builder.Services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(o => o.MaximumReceiveMessageSize = 2 * 1024 * 1024);
        builder.Services.AddMudServices();
        builder.Services.AddTransient<MudLocalizer, ConsoleMudLocalizer>();
        builder.Services.AddLocalization(o => o.ResourcesPath = "Resources");
        builder.Services.AddSingleton<ServiceRunner>();
        builder.Services.AddScoped<CallerState>();
        builder.Services.AddScoped<TenantClock>();
    }

    /// <summary>Language from the culture cookie, else the browser's Accept-Language, else English.</summary>
    public static void UseConsoleLocalization(this WebApplication app) =>
        app.UseRequestLocalization(new RequestLocalizationOptions()
            .SetDefaultCulture(Cultures[0])
            .AddSupportedCultures(Cultures)
            .AddSupportedUICultures(Cultures));

    public static void MapConsole(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapAdditionalIdentityEndpoints().ExcludeFromDescription();

        // Switching language sets the culture cookie and reloads the page, so the new circuit starts in it.
        app.MapGet("/culture/set", (string culture, string? redirectUri, HttpContext http) =>
        {
            if (Cultures.Contains(culture))
            {
                http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                    CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(CultureInfo.GetCultureInfo(culture))),
                    new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax });
            }
            return Results.LocalRedirect(LocalUrl.OrHome(redirectUri));
        }).ExcludeFromDescription().AllowAnonymous();
    }
}
