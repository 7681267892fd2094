using CommsConsole.Data;
using CommsConsole.Features.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace CommsConsole.Features.Tenancy;

public static class TenancyExtensions
{
    public const string HangfirePolicy = "hangfire-dashboard";

    /// <summary>Identity with cookies for the console, JWT bearer and API keys for the REST API, and the role policies.</summary>
    public static void AddTenancy(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.Section);
        services.AddOptions<JwtOptions>().BindConfiguration(JwtOptions.Section);
        services.AddOptions<AccountSessionOptions>().BindConfiguration(AccountSessionOptions.Section);
        // The console's cookie re-reads its account's security stamp this often: a locked, demoted or re-passworded
        // user is signed out within that time (Identity's default, 30 minutes, is far too long for that).
        services.AddOptions<SecurityStampValidatorOptions>()
            .Configure<IOptions<AccountSessionOptions>>((stamps, session) => stamps.ValidationInterval = session.Value.RevalidationInterval);

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddJwtBearer(JwtBearerDefaults.AuthenticationScheme, options =>
            {
                options.MapInboundClaims = false;
                options.Events = new JwtBearerEvents
                {
                    OnTokenValidated = async context =>
                    {
                        var services = context.HttpContext.RequestServices;
                        var rejection = await services.GetRequiredService<TokenAccountCheck>()
                            .RejectionAsync(context.Principal!, services.GetRequiredService<AppDbContext>());
                        if (rejection is not null) context.Fail(rejection);
                    },
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        var message = context.AuthenticateFailure switch
                        {
                            null => "missing bearer token",
                            AuthenticationFailureException failure => failure.Message,
                            _ => "invalid or expired bearer token",
                        };
                        await ApiEnvelope.WriteErrorAsync(context.HttpContext, StatusCodes.Status401Unauthorized, message);
                    },
                    OnForbidden = context =>
                        ApiEnvelope.WriteErrorAsync(context.HttpContext, StatusCodes.Status403Forbidden, "your role may not do this"),
                };
            })
            .AddApiKeys()
            .AddIdentityCookies();
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, ConfigureJwtValidation>();
        // Signing in on the sign-in page makes the cookie handler follow the page's ReturnUrl by itself, with a looser
        // check than the page's own: only a safe local path may be followed (the page then redirects as it decides).
        services.ConfigureApplicationCookie(cookie => cookie.Events.OnRedirectToReturnUrl = context =>
        {
            context.Response.Redirect(LocalUrl.OrHome(context.RedirectUri));
            return Task.CompletedTask;
        });

        services.AddIdentityCore<ApplicationUser>(options =>
            {
                options.SignIn.RequireConfirmedAccount = false;
                options.User.RequireUniqueEmail = true;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
            })
            .AddEntityFrameworkStores<AppDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddClaimsPrincipalFactory<TenantClaimsPrincipalFactory>();
        PublicUrls.Register(services);
        services.AddSingleton<AccountEmailLimit>();
        services.AddScoped<AccountEmails>();
        services.AddScoped<IEmailSender<ApplicationUser>>(sp => sp.GetRequiredService<AccountEmails>());

        // Every API policy takes a JWT or an API key, and lets a key's scopes narrow it.
        var scoped = new ApiKeyScopeRequirement();
        void Api(AuthorizationPolicyBuilder p) => p.AddAuthenticationSchemes(ApiAuthentication.Scheme).RequireAuthenticatedUser().AddRequirements(scoped);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Read, p => { Api(p); p.RequireClaim(Caller.TenantClaim); })
            .AddPolicy(Policies.Send, p => { Api(p); p.RequireRole(Roles.SystemAdmin, Roles.Admin, Roles.Marketer, Roles.Integrator); })
            .AddPolicy(Policies.ManageUsers, p => { Api(p); p.RequireRole(Roles.SystemAdmin, Roles.Admin); })
            .AddPolicy(Policies.ManageTenants, p => { Api(p); p.RequireRole(Roles.SystemAdmin); })
            .AddPolicy(HangfirePolicy, p => p.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme).RequireRole(Roles.SystemAdmin));

        services.AddSingleton<JwtKeyProvider>();
        services.AddSingleton<TokenAccountCheck>();
        services.AddScoped<PasswordSignIn>();
        services.AddScoped<TokenService>();
        services.AddScoped<TenancyService>();
        services.AddScoped<ApiKeyService>();
    }

    private sealed class ConfigureJwtValidation(JwtKeyProvider keys) : IConfigureNamedOptions<JwtBearerOptions>
    {
        public void Configure(string? name, JwtBearerOptions options)
        {
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = JwtOptions.Issuer,
                ValidAudience = JwtOptions.Issuer,
                // Resolved on first use, after the database is migrated, so a generated key can live there.
                IssuerSigningKeyResolver = (_, _, _, _) => [keys.Key],
                NameClaimType = "email",
                RoleClaimType = "role",
                ClockSkew = TimeSpan.FromSeconds(30),
            };
        }

        public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);
    }
}
