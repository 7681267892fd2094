using System.Security.Claims;
using System.Text.Json.Serialization;
using CommsConsole.Data;
using CommsConsole.Features.Api;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CommsConsole.Features.Bounces;

/// <summary>dto.BounceResponse: one bounced message.</summary>
[DocumentName("dto.BounceResponse")]
public sealed record BounceResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("log_id")] string LogId,
    [property: JsonPropertyName("batch_id")] long BatchId,
    [property: JsonPropertyName("recipient")] string Recipient,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("at")] string At)
{
    public static BounceResponse From(BounceView b) => new(b.Id, "log_" + b.MessageId, b.BatchId, b.Recipient, BouncesApi.Wire(b.Kind), b.Status, b.Reason,
        b.Source == BounceSource.Smtp ? "smtp" : "mailbox", ApiEnvelope.Timestamp(b.At));
}

/// <summary>dto.BounceFiguresResponse: a batch's bounced messages, each counted once.</summary>
[DocumentName("dto.BounceFiguresResponse")]
public sealed record BounceFiguresResponse(
    [property: JsonPropertyName("batch_id")] long BatchId,
    [property: JsonPropertyName("hard")] int Hard,
    [property: JsonPropertyName("soft")] int Soft,
    [property: JsonPropertyName("bounced")] int Bounced);

/// <summary>dto.BouncePageResponse: a page of bounces, newest first, with the batch's figures when one was asked for.</summary>
[DocumentName("dto.BouncePageResponse")]
public sealed record BouncePageResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("figures"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BounceFiguresResponse? Figures,
    [property: JsonPropertyName("items")] IReadOnlyList<BounceResponse> Items,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("pagination")] PageInfo Pagination,
    [property: JsonPropertyName("timestamp")] string Timestamp);

public sealed record BounceServices(BounceService Bounces, TimeProvider Clock, ClaimsPrincipal User) : CallerServices(User);

public static class BouncesApi
{
    public static string Wire(BounceKind kind) => kind == BounceKind.Hard ? "hard" : "soft";

    public static void MapBouncesApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/communication").WithTags("bounces").RequireAuthorization(Policies.Read)
            .MapGet("/bounces", ListBounces)
            .WithSummary("Bounced email messages, newest first; with batch_id, that batch's and its figures")
            .WithDescription("Hard bounces (refused permanently: 5xx in the SMTP conversation, or a 5.x.x delivery status notification) and soft ones " +
                "(deferred: 4xx, 4.x.x). A message is counted once in the figures; one that bounced soft and then hard counts as hard. Scoped as the messages are: " +
                "another tenant's or user's batch answers 404.")
            .Produces<SimpleResponse>(400).Produces<SimpleResponse>(401).Produces<SimpleResponse>(403).Produces<SimpleResponse>(404);
    }

    public static async Task<Results<Ok<BouncePageResponse>, SimpleError>> ListBounces(
        [FromQuery(Name = "batch_id"), WholeNumber(Id = true)] string? batchId,
        [FromQuery(Name = "kind")] string? kind,
        [FromQuery(Name = "page"), WholeNumber] string? page,
        [FromQuery(Name = "page_size"), WholeNumber] string? pageSize,
        [AsParameters] BounceServices services,
        CancellationToken ct)
    {
        if (!QueryNumbers.TryParseId(batchId, out var batch)) return ApiEnvelope.Simple(AppError.Validation($"batch_id: '{Phones.Echo(batchId!)}' is not a whole number of 1 or more"), services.Clock);
        BounceKind? k = null;
        if (!string.IsNullOrWhiteSpace(kind))
        {
            k = kind.Trim().ToLowerInvariant() switch { "hard" => BounceKind.Hard, "soft" => BounceKind.Soft, _ => null };
            if (k is null) return ApiEnvelope.Simple(AppError.Validation($"kind: '{Phones.Echo(kind)}' is not one of hard, soft"), services.Clock);
        }
        if (!QueryNumbers.TryParsePositive(page, 1, out var pageNumber)) return ApiEnvelope.Simple(AppError.Validation($"page: '{Phones.Echo(page!)}' is not a whole number of 1 or more"), services.Clock);
        if (!QueryNumbers.TryParsePositive(pageSize, PageSizes.Default, out var size) || size > PageSizes.Max)
            return ApiEnvelope.Simple(AppError.Validation($"page_size: '{Phones.Echo(pageSize!)}' is not a whole number between 1 and {PageSizes.Max}"), services.Clock);
        var result = await services.Bounces.ListAsync(services.Caller, batch, k, pageNumber, size, ct);
        if (!result.IsOk) return ApiEnvelope.Simple(result.Error!, services.Clock);
        var (figures, p) = (result.Value!.Figures, result.Value.Page);
        return TypedResults.Ok(new BouncePageResponse(200, "ok",
            figures is null ? null : new BounceFiguresResponse(figures.BatchId, figures.Hard, figures.Soft, figures.Bounced),
            p.Items.Select(BounceResponse.From).ToList(), p.Total,
            new PageInfo(p.PageNumber, p.PageSize, p.Total, p.TotalPages, p.HasNext, p.HasPrev), ApiEnvelope.Timestamp(services.Clock.GetUtcNow())));
    }
}
