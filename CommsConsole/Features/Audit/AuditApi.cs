using System.Security.Claims;
using System.Text.Json.Serialization;
using CommsConsole.Features.Api;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CommsConsole.Features.Audit;

/// <summary>dto.AuditEventResponse: one action on personal data.</summary>
[DocumentName("dto.AuditEventResponse")]
public sealed record AuditEventResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("at")] string At,
    [property: JsonPropertyName("tenant_id")] string TenantId,
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("by")] string By,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("detail")] string? Detail)
{
    public static AuditEventResponse From(AuditView v) =>
        new(v.Event.Id, ApiEnvelope.Timestamp(v.Event.At), v.Event.TenantId, v.Event.UserId, v.By, v.Event.Action, v.Event.Target, v.Event.Detail);
}

/// <summary>dto.AuditPageResponse: a page of the audit trail, newest first.</summary>
[DocumentName("dto.AuditPageResponse")]
public sealed record AuditPageResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("items")] IReadOnlyList<AuditEventResponse> Items,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("pagination")] PageInfo Pagination,
    [property: JsonPropertyName("timestamp")] string Timestamp);

public sealed record AuditServices(AuditService Audit, TimeProvider Clock, ClaimsPrincipal User) : CallerServices(User);

public static class AuditApi
{
    public static void MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/communication").WithTags("audit").RequireAuthorization(Policies.Read)
            .MapGet("/audit", ListAudit)
            .WithSummary("The audit trail of actions on personal data (contact exports and erasures), newest first")
            .WithDescription("Who did what, when, to which record, with a short account of the effect; never the personal data itself. Admins and Auditors only.")
            .Produces<SimpleResponse>(400).Produces<SimpleResponse>(401).Produces<SimpleResponse>(403);
    }

    public static async Task<Results<Ok<AuditPageResponse>, SimpleError>> ListAudit(
        [FromQuery(Name = "page"), WholeNumber] string? page,
        [FromQuery(Name = "page_size"), WholeNumber] string? pageSize,
        [AsParameters] AuditServices services,
        CancellationToken ct)
    {
        if (!QueryNumbers.TryParsePositive(page, 1, out var pageNumber)) return ApiEnvelope.Simple(AppError.Validation($"page: '{page}' is not a whole number of 1 or more"), services.Clock);
        if (!QueryNumbers.TryParsePositive(pageSize, PageSizes.Default, out var size) || size > PageSizes.Max)
            return ApiEnvelope.Simple(AppError.Validation($"page_size: '{pageSize}' is not a whole number between 1 and {PageSizes.Max}"), services.Clock);
        var result = await services.Audit.ListAsync(pageNumber, size, services.Caller, ct);
        if (!result.IsOk) return ApiEnvelope.Simple(result.Error!, services.Clock);
        var p = result.Value!;
        return TypedResults.Ok(new AuditPageResponse(200, "ok", p.Items.Select(AuditEventResponse.From).ToList(), p.Total,
            new PageInfo(p.PageNumber, p.PageSize, p.Total, p.TotalPages, p.HasNext, p.HasPrev), ApiEnvelope.Timestamp(services.Clock.GetUtcNow())));
    }
}

public static class AuditExtensions
{
    public static void AddAudit(this WebApplicationBuilder builder) => builder.Services.AddScoped<AuditService>();

    public static void MapAudit(this WebApplication app) => app.MapAuditApi();
}
