using System.Text.Json.Serialization;
using CommsConsole.Features.Api;
using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.Mvc;

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

    public static async Task<IResult> List([FromQuery(Name = "tenant_id")] string? tenantId, ProviderSettingsService service, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        var result = await service.ListAsync(Caller.From(http.User)!, tenantId, ct);
        return result.IsOk
            ? TypedResults.Ok(new ProviderAccountListResponse(result.Value!.Select(ProviderAccountResponse.From).ToList()))
            : ApiEnvelope.Simple(result.Error!, clock);
    }

    public static async Task<IResult> Save(string channel, string role, [FromQuery(Name = "tenant_id")] string? tenantId, [FromBody] ProviderAccountRequest body,
        ProviderSettingsService service, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        if (ParsePath(channel, role) is { IsOk: false } bad) return ApiEnvelope.Simple(bad.Error!, clock);
        var (c, r) = ParsePath(channel, role).Value;
        var result = await service.SaveAsync(Caller.From(http.User)!, tenantId, c, r, body.Kind, body, ct);
        return result.IsOk ? TypedResults.Ok(ProviderAccountResponse.From(result.Value!)) : ApiEnvelope.Simple(result.Error!, clock);
    }

    public static async Task<IResult> Remove(string channel, string role, [FromQuery(Name = "tenant_id")] string? tenantId,
        ProviderSettingsService service, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        if (ParsePath(channel, role) is { IsOk: false } bad) return ApiEnvelope.Simple(bad.Error!, clock);
        var (c, r) = ParsePath(channel, role).Value;
        var result = await service.RemoveAsync(Caller.From(http.User)!, tenantId, c, r, ct);
        return result.IsOk
            ? TypedResults.Ok(new SimpleResponse(200, "removed", ApiEnvelope.Timestamp(clock.GetUtcNow())))
            : ApiEnvelope.Simple(result.Error!, clock);
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
