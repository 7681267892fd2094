using System.Security.Claims;
using Bunit;
using CommsConsole.Components.Shared;
using CommsConsole.Features.Templates;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace CommsConsole.Tests.Components;

/// <summary>
/// bUnit with MudBlazor and loose JS interop, signed in as a real user of the shared test app, whose services
/// (and so its real database) stand behind the components.
/// </summary>
public abstract class ConsoleComponentContext : BunitContext
{
    protected ConsoleComponentContext(SharedApp app)
    {
        App = app;
        JSInterop.Mode = JSRuntimeMode.Loose;
        // The components call the app's real services and database; on a busy machine (the PostgreSQL pass, with other
        // work going on) a render can take longer than bUnit's default second.
        DefaultWaitTimeout = TimeSpan.FromSeconds(15);
        Services.AddMudServices();
        Services.AddTransient<MudBlazor.MudLocalizer, ConsoleMudLocalizer>();
        Services.AddLocalization(o => o.ResourcesPath = "Resources");
        Services.AddScoped<CallerState>();
        Services.AddScoped<TenantClock>();
        // The components reach the app's services through ServiceRunner, one scope per call, as in the app.
        Services.AddSingleton(new ServiceRunner(app.Services.GetRequiredService<IServiceScopeFactory>()));
        Services.AddSingleton(app.Services.GetRequiredService<LiquidTemplateEngine>());
        Services.AddSingleton(app.Services.GetRequiredService<TimeProvider>());
    }

    protected SharedApp App { get; }

    /// <summary>Renders in <paramref name="culture"/> (as the app's request localization sets both cultures) until disposed.</summary>
    protected static IDisposable Culture(string culture)
    {
        var before = (System.Globalization.CultureInfo.CurrentCulture, System.Globalization.CultureInfo.CurrentUICulture);
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.CurrentUICulture = System.Globalization.CultureInfo.GetCultureInfo(culture);
        return new Restore(() => (System.Globalization.CultureInfo.CurrentCulture, System.Globalization.CultureInfo.CurrentUICulture) = before);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    // MudBlazor's services only dispose asynchronously; xunit 2 disposes test classes synchronously.
    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposeAsync().AsTask().GetAwaiter().GetResult();
        else base.Dispose(disposing);
    }

    /// <summary>Creates a tenant and a user in it, and signs the component context in as that user.</summary>
    protected async Task<(HttpClient Api, string UserId, string TenantId)> SignInAsync(string role)
    {
        var tenant = await App.CreateTenantAsync();
        var (api, userId) = await App.UserAsync(role, tenant);
        var auth = AddAuthorization();
        auth.SetAuthorized(userId);
        auth.SetRoles(role);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, userId), new Claim(Caller.TenantClaim, tenant));
        return (api, userId, tenant);
    }
}
