using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Serialization;
using CommsConsole.Features.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CommsConsole.Features.Tenancy;

/// <summary>dto.ApiKeyRequest: a key for the caller, or (Admins) for one of the tenant's Integrators.</summary>
[DocumentName("dto.ApiKeyRequest")]
public sealed record ApiKeyRequest(
    [property: JsonPropertyName("name")] string? Name,
    /// <summary>When the key stops working (ISO 8601); none: until revoked.</summary>
    [property: JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt,
    /// <summary><c>send</c> and/or <c>read</c>; none: all the owner's role allows.</summary>
    [property: JsonPropertyName("scopes")] IReadOnlyList<string>? Scopes,
    /// <summary>Admins only: the Integrator of the tenant the key is for; none: the caller.</summary>
    [property: JsonPropertyName("user_id")] string? UserId);

/// <summary>dto.ApiKeyResponse: a key as lists show it (never the key itself).</summary>
[DocumentName("dto.ApiKeyResponse")]
public sealed record ApiKeyResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("user_email")] string UserEmail,
    [property: JsonPropertyName("scopes")] IReadOnlyList<string> Scopes,
    [property: JsonPropertyName("created_at")] string CreatedAt,
    [property: JsonPropertyName("expires_at")] string? ExpiresAt,
    [property: JsonPropertyName("last_used_at")] string? LastUsedAt)
{
    public static ApiKeyResponse From(ApiKeyView v) => new(
        v.Id, v.Name, v.Prefix, v.UserId, v.OwnerEmail, v.Scopes, ApiEnvelope.Timestamp(v.CreatedAt),
        v.ExpiresAt is { } e ? ApiEnvelope.Timestamp(e) : null, v.LastUsedAt is { } u ? ApiEnvelope.Timestamp(u) : null);
}

/// <summary>dto.ApiKeyCreatedResponse: the new key's id and the key itself, shown this once.</summary>
[DocumentName("dto.ApiKeyCreatedResponse")]
public sealed record ApiKeyCreatedResponse(
    [property: JsonPropertyName("id")] long Id,
    /// <summary>The key, to send as <c>Authorization: Bearer &lt;key&gt;</c>. Only its hash is kept: it cannot be shown again.</summary>
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("api_key")] ApiKeyResponse ApiKey);

/// <summary>dto.ApiKeyListResponse.</summary>
[DocumentName("dto.ApiKeyListResponse")]
public sealed record ApiKeyListResponse(
    [property: JsonPropertyName("items")] IReadOnlyList<ApiKeyResponse> Items,
    [property: JsonPropertyName("total")] int Total);

/// <summary>What the API key handlers are given.</summary>
public sealed record ApiKeyServices(ApiKeyService Keys, TimeProvider Clock, ClaimsPrincipal User) : CallerServices(User)
{
    public SimpleError Error(AppError error) => ApiEnvelope.Simple(error, Clock);
}

/// <summary>/auth/api-keys: the caller's API keys (an Admin's also those of its tenant's Integrators).</summary>
public static class ApiKeysApi
{
    public static void MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/auth/api-keys").WithTags("auth").RequireAuthorization(Policies.Read);
        group.MapPost("", CreateKey).Errors()
            .WithSummary("Create an API key (shown once)")
            .WithDescription("The key acts as its owner with the owner's current role, narrowed by `scopes` (`read`: GET endpoints; " +
                             "`send`: the send endpoints and the messages' logs and status). Locking or demoting the owner applies to the key at once.")
            .Produces<ApiKeyCreatedResponse>(201);
        group.MapGet("", ListKeys).Errors().WithSummary("The API keys the caller may see and revoke").Produces<ApiKeyListResponse>();
        group.MapDelete("/{id}", RevokeKey).Errors().WithSummary("Revoke an API key: it is refused from the next request on").Produces<SimpleResponse>();
    }

    private static RouteHandlerBuilder Errors(this RouteHandlerBuilder endpoint) =>
        endpoint.Produces<SimpleResponse>(400).Produces<SimpleResponse>(401).Produces<SimpleResponse>(403).Produces<SimpleResponse>(404);

    public static async Task<Results<Created<ApiKeyCreatedResponse>, SimpleError>> CreateKey([FromBody] ApiKeyRequest body, [AsParameters] ApiKeyServices services, CancellationToken ct)
    {
        var result = await services.Keys.CreateAsync(new NewApiKey(body.Name, body.ExpiresAt, body.Scopes, body.UserId), services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var created = result.Value!;
        return TypedResults.Created($"/auth/api-keys/{created.View.Id}", new ApiKeyCreatedResponse(created.View.Id, created.Key, ApiKeyResponse.From(created.View)));
    }

    public static async Task<Ok<ApiKeyListResponse>> ListKeys([AsParameters] ApiKeyServices services, CancellationToken ct)
    {
        var keys = await services.Keys.ListAsync(services.Caller, ct);
        return TypedResults.Ok(new ApiKeyListResponse(keys.Select(ApiKeyResponse.From).ToList(), keys.Count));
    }

    public static async Task<Results<Ok<SimpleResponse>, SimpleError>> RevokeKey(string id, [AsParameters] ApiKeyServices services, CancellationToken ct)
    {
        // An id that is not a number is as missing as another user's key.
        var result = long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var key)
            ? await services.Keys.RevokeAsync(key, services.Caller, ct)
            : AppError.NotFound($"api key {id} not found");
        if (!result.IsOk) return services.Error(result.Error!);
        return TypedResults.Ok(new SimpleResponse(200, $"api key {id} revoked", ApiEnvelope.Timestamp(services.Clock.GetUtcNow())));
    }
}
