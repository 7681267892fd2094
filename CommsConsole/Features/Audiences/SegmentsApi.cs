using System.Security.Claims;
using System.Text.Json.Serialization;
using CommsConsole.Features.Api;
using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CommsConsole.Features.Audiences;

/// <summary>dto.SegmentRequest.</summary>
[DocumentName("dto.SegmentRequest")]
public sealed record SegmentRequest(
    [property: JsonPropertyName("name")] string? Name,
    /// <summary>The filter, for example <c>city = "Shanghai" AND tag "vip" AND NOT received marketing sms in 7 days</c> (docs/segments.md).</summary>
    [property: JsonPropertyName("filter")] string? Filter);

/// <summary>dto.SegmentCountRequest.</summary>
[DocumentName("dto.SegmentCountRequest")]
public sealed record SegmentCountRequest([property: JsonPropertyName("filter")] string? Filter);

/// <summary>dto.SegmentCountResponse: how many contacts match the filter now.</summary>
[DocumentName("dto.SegmentCountResponse")]
public sealed record SegmentCountResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("timestamp")] string Timestamp);

/// <summary>dto.SegmentResponse: a segment with how many contacts match it now (its members: GET /communication/contacts?segment_id=).</summary>
[DocumentName("dto.SegmentResponse")]
public sealed record SegmentResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("filter")] string Filter,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("tenant_id")] string TenantId,
    [property: JsonPropertyName("created_at")] string CreatedAt,
    [property: JsonPropertyName("updated_at")] string UpdatedAt)
{
    public static SegmentResponse From(SegmentView v) =>
        new(v.Segment.Id, v.Segment.Name, v.Segment.Filter, v.Count, v.Segment.TenantId, ApiEnvelope.Timestamp(v.Segment.CreatedAt), ApiEnvelope.Timestamp(v.Segment.UpdatedAt));
}

/// <summary>dto.SegmentListResponse.</summary>
[DocumentName("dto.SegmentListResponse")]
public sealed record SegmentListResponse(
    [property: JsonPropertyName("items")] IReadOnlyList<SegmentResponse> Items,
    [property: JsonPropertyName("total")] int Total);

/// <summary>What the segment handlers are given.</summary>
public sealed record SegmentServices(SegmentService Segments, TimeProvider Clock, ClaimsPrincipal User) : CallerServices(User)
{
    public SimpleError Error(AppError error) => ApiEnvelope.Simple(error, Clock);
    public string Now => ApiEnvelope.Timestamp(Clock.GetUtcNow());
}

/// <summary>Segments (saved filters over contacts) in the /communication family's style.</summary>
public static class SegmentsApi
{
    private const string FilterHelp = "A bad filter is answered 400 with a message naming the column (1-based) and what was expected there, " +
        "for example `filter: column 5: expected a quoted string, found 'vip'`. The language: docs/segments.md.";

    public static void MapSegmentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/communication").WithTags("audiences").RequireAuthorization(Policies.Read);
        group.MapGet("/segments", ListSegments).Errors().WithSummary("The tenant's segments with how many contacts match each now");
        group.MapPost("/segments", CreateSegment).Errors().WithSummary("Save a filter over contacts as a segment").WithDescription(FilterHelp).Produces<SimpleResponse>(409);
        group.MapPost("/segments/count", CountSegment).Errors().WithSummary("How many contacts match a filter now (the live count while a filter is edited)").WithDescription(FilterHelp);
        group.MapGet("/segments/{id}", GetSegment).Errors().WithSummary("A segment with its current count (its members: GET /communication/contacts?segment_id=)");
        group.MapPut("/segments/{id}", UpdateSegment).Errors().WithSummary("Rename a segment or change its filter").WithDescription(FilterHelp).Produces<SimpleResponse>(409);
        group.MapDelete("/segments/{id}", DeleteSegment).Errors().WithSummary("Delete a segment (its contacts stay)");
    }

    private static RouteHandlerBuilder Errors(this RouteHandlerBuilder endpoint) =>
        endpoint.Produces<SimpleResponse>(400).Produces<SimpleResponse>(401).Produces<SimpleResponse>(403).Produces<SimpleResponse>(404);

    private static bool TryId(string raw, out long id, out AppError? missing)
    {
        if (AudienceIds.TryParse(raw, "segment", out id, out _))
        {
            missing = null;
            return true;
        }
        missing = AppError.NotFound($"id: no segment with id {Phones.Echo(raw)}");
        return false;
    }

    public static async Task<Results<Ok<SegmentListResponse>, SimpleError>> ListSegments([AsParameters] SegmentServices services, CancellationToken ct)
    {
        var result = await services.Segments.ListAsync(services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        return TypedResults.Ok(new SegmentListResponse(result.Value!.Select(SegmentResponse.From).ToList(), result.Value!.Count));
    }

    public static async Task<Results<Created<SegmentResponse>, SimpleError>> CreateSegment([FromBody] SegmentRequest body, [AsParameters] SegmentServices services, CancellationToken ct)
    {
        if (body is null) return services.Error(AppError.Validation("body: a JSON object is required"));
        var result = await services.Segments.CreateAsync(body.Name, body.Filter, services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var response = SegmentResponse.From(result.Value!);
        return TypedResults.Created($"/communication/segments/{response.Id}", response);
    }

    public static async Task<Results<Ok<SegmentCountResponse>, SimpleError>> CountSegment([FromBody] SegmentCountRequest body, [AsParameters] SegmentServices services, CancellationToken ct)
    {
        if (body is null) return services.Error(AppError.Validation("body: a JSON object is required"));
        var result = await services.Segments.CountAsync(body.Filter, services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(new SegmentCountResponse(200, "ok", result.Value, services.Now)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<SegmentResponse>, SimpleError>> GetSegment(string id, [AsParameters] SegmentServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        var result = await services.Segments.GetAsync(key, services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(SegmentResponse.From(result.Value!)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<SegmentResponse>, SimpleError>> UpdateSegment(string id, [FromBody] SegmentRequest body, [AsParameters] SegmentServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        if (body is null) return services.Error(AppError.Validation("body: a JSON object is required"));
        var result = await services.Segments.UpdateAsync(key, body.Name, body.Filter, services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(SegmentResponse.From(result.Value!)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<SimpleResponse>, SimpleError>> DeleteSegment(string id, [AsParameters] SegmentServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        var result = await services.Segments.DeleteAsync(key, services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(new SimpleResponse(200, $"segment {id} deleted", services.Now)) : services.Error(result.Error!);
    }
}
