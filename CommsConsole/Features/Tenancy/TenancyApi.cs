using System.Security.Claims;
using System.Text.Json.Serialization;
using CommsConsole.Features.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CommsConsole.Features.Tenancy;

public sealed record TokenRequest([property: JsonPropertyName("email")] string? Email, [property: JsonPropertyName("password")] string? Password);

public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);

public sealed record CreateTenantRequest([property: JsonPropertyName("name")] string? Name);

public sealed record CreateUserRequest(
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("password")] string? Password,
    [property: JsonPropertyName("role")] string? Role,
    [property: JsonPropertyName("tenant_id")] string? TenantId);

public sealed record IdResponse([property: JsonPropertyName("id")] string Id);

/// <summary>A created user: <c>invited</c> when no password was given and an invitation to choose one was emailed.</summary>
public sealed record CreatedUserResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("invited")] bool Invited,
    [property: JsonPropertyName("invitation_error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? InvitationError);

public sealed record UserResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("tenant_id")] string TenantId,
    [property: JsonPropertyName("locked_out")] bool LockedOut);

public sealed record UserListResponse([property: JsonPropertyName("items")] IReadOnlyList<UserResponse> Items, [property: JsonPropertyName("total")] int Total);

/// <summary>What /auth/token is given: no caller yet, only the token service.</summary>
public sealed record TokenServices(TokenService Tokens, TimeProvider Clock);

/// <summary>What the /admin tenant and user handlers are given: the caller and the services they answer with.</summary>
public sealed record AdminServices(TenancyService Tenancy, TimeProvider Clock, ClaimsPrincipal User) : CallerServices(User);

/// <summary>/auth/token and the /admin endpoints: snake_case, dto.SimpleResponse errors.</summary>
public static class TenancyApi
{
    public static void MapTenancyApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/auth/token", IssueToken).WithTags("auth").AllowAnonymous()
            .WithSummary("Exchange email and password for a bearer token")
            .Produces<TokenResponse>().Produces<SimpleResponse>(400).Produces<SimpleResponse>(401);

        var admin = app.MapGroup("/admin").WithTags("admin").RequireAuthorization(Policies.ManageUsers);
        admin.MapPost("/tenants", CreateTenant).RequireAuthorization(Policies.ManageTenants).WithSummary("Create a tenant (SystemAdmin)")
            .Produces<IdResponse>(201).Produces<SimpleResponse>(400).Produces<SimpleResponse>(403).Produces<SimpleResponse>(409);
        admin.MapPost("/users", CreateUser).WithSummary("Create a user (SystemAdmin anywhere, Admin in its own tenant)")
            .WithDescription("With `password`, the user signs in with it. Without one, the user is emailed an invitation (through the installation's email provider) to choose a password, and the answer says `invited: true`.")
            .Produces<CreatedUserResponse>(201).Produces<SimpleResponse>(400).Produces<SimpleResponse>(403).Produces<SimpleResponse>(404).Produces<SimpleResponse>(409);
        admin.MapGet("/users", ListUsers).WithSummary("Users the caller may manage").Produces<UserListResponse>();

        app.MapApiKeysApi();
    }

    public static async Task<Results<Ok<TokenResponse>, SimpleError>> IssueToken([FromBody] TokenRequest body, [AsParameters] TokenServices services)
    {
        var result = await services.Tokens.IssueAsync(body.Email, body.Password);
        if (!result.IsOk) return ApiEnvelope.Simple(result.Error!, services.Clock);
        return TypedResults.Ok(new TokenResponse(result.Value!.AccessToken, "Bearer", result.Value.ExpiresIn));
    }

    public static async Task<Results<Created<IdResponse>, SimpleError>> CreateTenant([FromBody] CreateTenantRequest body, [AsParameters] AdminServices services, CancellationToken ct)
    {
        var result = await services.Tenancy.CreateTenantAsync(body.Name, services.Caller, ct);
        if (!result.IsOk) return ApiEnvelope.Simple(result.Error!, services.Clock);
        return TypedResults.Created($"/admin/tenants/{result.Value!.Id}", new IdResponse(result.Value.Id));
    }

    public static async Task<Results<Created<CreatedUserResponse>, SimpleError>> CreateUser([FromBody] CreateUserRequest body, [AsParameters] AdminServices services, CancellationToken ct)
    {
        var result = await services.Tenancy.CreateUserAsync(body.Email, body.Password, body.Role, body.TenantId, services.Caller, ct);
        if (!result.IsOk) return ApiEnvelope.Simple(result.Error!, services.Clock);
        var created = result.Value!;
        return TypedResults.Created($"/admin/users/{created.User.Id}", new CreatedUserResponse(created.User.Id, created.Invited, created.InvitationProblem));
    }

    public static async Task<Ok<UserListResponse>> ListUsers([AsParameters] AdminServices services, CancellationToken ct)
    {
        var users = await services.Tenancy.ListUsersAsync(services.Caller, ct);
        return TypedResults.Ok(new UserListResponse(users.Select(u => new UserResponse(u.Id, u.Email, u.Role, u.TenantId, u.LockedOut)).ToList(), users.Count));
    }
}
