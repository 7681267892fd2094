using System.Security.Claims;
using System.Text.Json.Serialization;
using CommsConsole.Features.Api;
using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using CommsConsole.Data;

namespace CommsConsole.Features.Providers;

/// <summary>A provider account as written by an admin: its kind and settings; a blank secret keeps the stored one.</summary>
public sealed record ProviderAccountRequest : ProviderSettings
{
    [JsonPropertyName("kind")] public string? Kind { get; init; }
}

/// <summary>A provider account as shown: secrets appear only as <c>••••</c> and their last four characters.</summary>
public sealed record ProviderAccountResponse : ProviderSettings
{
    private ProviderAccountResponse(ProviderSettings settings) : base(settings) { }

    [JsonPropertyName("tenant_id")] public required string TenantId { get; init; }
    [JsonPropertyName("channel")] public required string Channel { get; init; }
    [JsonPropertyName("role")] public required string Role { get; init; }
    [JsonPropertyName("kind")] public required string Kind { get; init; }
    [JsonPropertyName("updated_at")] public required string UpdatedAt { get; init; }
    [JsonPropertyName("updated_by")] public required string UpdatedBy { get; init; }

    public static ProviderAccountResponse From(ProviderAccountView v) => new(v.Settings)
    {
        TenantId = v.TenantId, Channel = v.Channel.ToWire(), Role = v.Role.ToString().ToLowerInvariant(), Kind = v.Kind,
        UpdatedAt = ApiEnvelope.Timestamp(v.UpdatedAt), UpdatedBy = v.UpdatedBy,
    };
}

public sealed record ProviderAccountListResponse([property: JsonPropertyName("items")] IReadOnlyList<ProviderAccountResponse> Items);

/// <summary>What the /admin/providers handlers are given: the caller and the services they answer with.</summary>
public sealed record ProvidersServices(ProviderSettingsService Providers, TimeProvider Clock, ClaimsPrincipal User) : CallerServices(User);

/// <summary>/admin/providers: a tenant's provider accounts per channel (primary and fallback), in the admin family's envelope.</summary>
public static class ProvidersApi
{
    public static void MapProvidersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/providers").WithTags("admin").RequireAuthorization(Policies.ManageUsers);
        group.MapGet("", List).WithSummary("The tenant's provider accounts (secrets masked); SystemAdmins may name another tenant with tenant_id")
            .Produces<ProviderAccountListResponse>().Produces<SimpleResponse>(403).Produces<SimpleResponse>(404);
        group.MapPut("/{channel}/{role}", Save).WithSummary("Set the primary or fallback provider of a channel (sms: simulated|submail, email: simulated|smtp)")
            .Produces<ProviderAccountResponse>().Produces<SimpleResponse>(400).Produces<SimpleResponse>(403).Produces<SimpleResponse>(404);
        group.MapDelete("/{channel}/{role}", Remove).WithSummary("Go back to the installation's provider (primary) or to no failover (fallback)")
            .Produces<SimpleResponse>().Produces<SimpleResponse>(403).Produces<SimpleResponse>(404);
    }

    public static async Task<Results<Ok<ProviderAccountListResponse>, SimpleError>> List(
        [FromQuery(Name = "tenant_id")] string? tenantId, [AsParameters] ProvidersServices services, CancellationToken ct)
    {
        var result = await services.Providers.ListAsync(services.Caller, tenantId, ct);
        if (!result.IsOk) return ApiEnvelope.Simple(result.Error!, services.Clock);
        return TypedResults.Ok(new ProviderAccountListResponse(result.Value!.Select(ProviderAccountResponse.From).ToList()));
    }

    public static async Task<Results<Ok<ProviderAccountResponse>, SimpleError>> Save(string channel, string role, [FromQuery(Name = "tenant_id")] string? tenantId,
        [FromBody] ProviderAccountRequest body, [AsParameters] ProvidersServices services, CancellationToken ct)
    {
        var path = ParsePath(channel, role);
        if (!path.IsOk) return ApiEnvelope.Simple(path.Error!, services.Clock);
        var (c, r) = path.Value;
        var result = await services.Providers.SaveAsync(services.Caller, tenantId, c, r, body.Kind, body, ct);
        if (!result.IsOk) return ApiEnvelope.Simple(result.Error!, services.Clock);
        return TypedResults.Ok(ProviderAccountResponse.From(result.Value!));
    }

    public static async Task<Results<Ok<SimpleResponse>, SimpleError>> Remove(string channel, string role, [FromQuery(Name = "tenant_id")] string? tenantId,
        [AsParameters] ProvidersServices services, CancellationToken ct)
    {
        var path = ParsePath(channel, role);
        if (!path.IsOk) return ApiEnvelope.Simple(path.Error!, services.Clock);
        var (c, r) = path.Value;
        var result = await services.Providers.RemoveAsync(services.Caller, tenantId, c, r, ct);
        if (!result.IsOk) return ApiEnvelope.Simple(result.Error!, services.Clock);
        return TypedResults.Ok(new SimpleResponse(200, "removed", ApiEnvelope.Timestamp(services.Clock.GetUtcNow())));
    }

    private static Result<(Channel, ProviderRole)> ParsePath(string channel, string role)
    {
        if (!Wire.TryParseChannel(channel, out var c)) return AppError.Validation($"channel: '{channel}' is not one of sms, email");
        ProviderRole r;
        switch (role.Trim().ToLowerInvariant())
        {
            case "primary": r = ProviderRole.Primary; break;
            case "fallback": r = ProviderRole.Fallback; break;
            default: return AppError.Validation($"role: '{role}' is not one of primary, fallback");
        }
        return (c, r);
    }
}
