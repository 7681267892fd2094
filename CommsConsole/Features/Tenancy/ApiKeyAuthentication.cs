using System.Security.Claims;
using System.Text.Encodings.Web;
using CommsConsole.Features.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Tenancy;

/// <summary>
/// The REST API's one bearer scheme: a token that looks like an API key goes to <see cref="ApiKeyHandler"/>, anything else
/// (a JWT from /auth/token, or nothing) to JWT bearer. Every endpoint therefore takes both.
/// </summary>
public static class ApiAuthentication
{
    public const string Scheme = "api";
    public const string KeyScheme = "api-key";
    public const string KeyIdClaim = "api_key_id";

    private const string BearerKey = "Bearer " + ApiKeyFormat.Start;

    public static string SelectScheme(HttpContext context) =>
        context.Request.Headers.Authorization.ToString().StartsWith(BearerKey, StringComparison.OrdinalIgnoreCase)
            ? KeyScheme
            : JwtBearerDefaults.AuthenticationScheme;

    public static AuthenticationBuilder AddApiKeys(this AuthenticationBuilder auth) => auth
        .AddPolicyScheme(Scheme, Scheme, o => o.ForwardDefaultSelector = SelectScheme)
        .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(KeyScheme, null);
}

/// <summary>Authenticates <c>Authorization: Bearer cc_…</c> as the key's owner, read afresh from the database per request.</summary>
public sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyService keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        var presented = header.Length > 7 ? header[7..].Trim() : "";
        var holder = await keys.AuthenticateAsync(presented, Context.RequestAborted);
        if (!holder.IsOk) return AuthenticateResult.Fail(holder.Error!.Message);

        var (keyId, caller, email, scopes) = holder.Value!;
        List<Claim> claims =
        [
            new("sub", caller.UserId),
            new("email", email),
            new("role", caller.Role),
            new(Caller.TenantClaim, caller.TenantId),
            new(ApiAuthentication.KeyIdClaim, keyId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            .. scopes.Select(s => new Claim(ApiKeyScopes.Claim, s)),
        ];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, ApiAuthentication.KeyScheme, "email", "role"));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, ApiAuthentication.KeyScheme));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        await ApiEnvelope.WriteErrorAsync(Context, StatusCodes.Status401Unauthorized, result.Failure?.Message ?? "invalid API key");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiEnvelope.WriteErrorAsync(Context, StatusCodes.Status403Forbidden,
            Context.Items.ContainsKey(ApiKeyScopeRequirement.RefusedItem) ? "this API key's scopes do not allow this" : "your role may not do this");
}
