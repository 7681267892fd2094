using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Serialization;
using CommsConsole.Data;
using CommsConsole.Features.Api;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CommsConsole.Features.Tracking;

/// <summary>dto.EngagementCount: messages (unique) and hits (total).</summary>
[DocumentName("dto.EngagementCount")]
public sealed record EngagementCountResponse(
    [property: JsonPropertyName("unique")] int Unique,
    [property: JsonPropertyName("total")] int Total)
{
    public static EngagementCountResponse From(EngagementCount c) => new(c.Unique, c.Total);
}

/// <summary>dto.AutomatedEngagement: hits flagged as scanners' and prefetches', counted apart from people's.</summary>
[DocumentName("dto.AutomatedEngagement")]
public sealed record AutomatedEngagementResponse(
    [property: JsonPropertyName("opened")] EngagementCountResponse Opened,
    [property: JsonPropertyName("clicked")] EngagementCountResponse Clicked);

/// <summary>dto.LinkClicks.</summary>
[DocumentName("dto.LinkClicks")]
public sealed record LinkClicksResponse(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("unique")] int Unique,
    [property: JsonPropertyName("total")] int Total);

/// <summary>dto.HourlyEngagement: people's opens and clicks in the hour starting at <c>hour</c> (UTC).</summary>
[DocumentName("dto.HourlyEngagement")]
public sealed record HourlyEngagementResponse(
    [property: JsonPropertyName("hour")] string Hour,
    [property: JsonPropertyName("opens")] int Opens,
    [property: JsonPropertyName("clicks")] int Clicks);

/// <summary>dto.BatchEngagementResponse: a batch's opens and clicks.</summary>
[DocumentName("dto.BatchEngagementResponse")]
public sealed record BatchEngagementResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("batch_id")] long BatchId,
    [property: JsonPropertyName("sent")] int Sent,
    [property: JsonPropertyName("opened")] EngagementCountResponse Opened,
    [property: JsonPropertyName("clicked")] EngagementCountResponse Clicked,
    [property: JsonPropertyName("open_rate")] double? OpenRate,
    [property: JsonPropertyName("click_rate")] double? ClickRate,
    [property: JsonPropertyName("automated")] AutomatedEngagementResponse Automated,
    [property: JsonPropertyName("top_links")] IReadOnlyList<LinkClicksResponse> TopLinks,
    [property: JsonPropertyName("by_hour")] IReadOnlyList<HourlyEngagementResponse> ByHour,
    [property: JsonPropertyName("timestamp")] string Timestamp);

/// <summary>dto.EngagedRecipient: a message behind a number, its first hit and how many.</summary>
[DocumentName("dto.EngagedRecipient")]
public sealed record EngagedRecipientResponse(
    [property: JsonPropertyName("message_id")] string MessageId,
    [property: JsonPropertyName("recipient")] string Recipient,
    [property: JsonPropertyName("first_at")] string FirstAt,
    [property: JsonPropertyName("total")] int Total);

/// <summary>dto.EngagedRecipientPageResponse.</summary>
[DocumentName("dto.EngagedRecipientPageResponse")]
public sealed record EngagedRecipientPageResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("items")] IReadOnlyList<EngagedRecipientResponse> Items,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("pagination")] PageInfo Pagination,
    [property: JsonPropertyName("timestamp")] string Timestamp);

/// <summary>What the engagement handlers are given.</summary>
public sealed record EngagementServices(EngagementService Engagement, TimeProvider Clock, ClaimsPrincipal User) : CallerServices(User)
{
    public SimpleError Error(AppError error) => ApiEnvelope.Simple(error, Clock);
    public string Now => ApiEnvelope.Timestamp(Clock.GetUtcNow());
}

/// <summary>A batch's opens and clicks over REST, in the /communication family's style.</summary>
public static class EngagementApi
{
    public static void MapEngagementApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/communication").WithTags("engagement").RequireAuthorization(Policies.Read);
        group.MapGet("/batches/{id}/engagement", GetBatchEngagement).Errors()
            .WithSummary("A batch's opens and clicks")
            .WithDescription("People's opens and clicks of a tracked email batch: `unique` counts messages, `total` hits; rates are of the messages sent. " +
                "Hits flagged as automated (mail scanners, prefetches: a hit within seconds of the send, a burst of hits on one message, a scanner's User-Agent) " +
                "are counted apart under `automated`. Also the ten most clicked links and the opens and clicks per hour (UTC).");
        group.MapGet("/batches/{id}/engagement/recipients", ListEngaged).Errors()
            .WithSummary("The messages behind a number: who opened or clicked (kind=open|click, optional url), first hit first");
        group.MapGet("/batches/{id}/engagement/recipients.csv", ExportEngaged).Errors()
            .WithSummary("Who opened or clicked, as CSV (message_id, recipient, first_at, total)")
            .Produces(200, contentType: "text/csv");
    }

    private static RouteHandlerBuilder Errors(this RouteHandlerBuilder endpoint) =>
        endpoint.Produces<SimpleResponse>(400).Produces<SimpleResponse>(401).Produces<SimpleResponse>(403).Produces<SimpleResponse>(404);

    public static async Task<Results<Ok<BatchEngagementResponse>, SimpleError>> GetBatchEngagement(string id, [AsParameters] EngagementServices services, CancellationToken ct)
    {
        if (!TryParseBatchId(id, out var batchId)) return services.Error(AppError.NotFound($"no batch with id {Phones.Echo(id)}"));
        var result = await services.Engagement.ForBatchAsync(batchId, services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var e = result.Value!;
        return TypedResults.Ok(new BatchEngagementResponse(200, "ok", e.BatchId, e.Sent,
            EngagementCountResponse.From(e.Opened), EngagementCountResponse.From(e.Clicked), Rate(e.OpenRate), Rate(e.ClickRate),
            new AutomatedEngagementResponse(EngagementCountResponse.From(e.AutomatedOpens), EngagementCountResponse.From(e.AutomatedClicks)),
            e.TopLinks.Select(l => new LinkClicksResponse(l.Url, l.Unique, l.Total)).ToList(),
            e.ByHour.Select(h => new HourlyEngagementResponse(ApiEnvelope.Timestamp(h.Hour), h.Opens, h.Clicks)).ToList(),
            services.Now));
    }

    public static async Task<Results<Ok<EngagedRecipientPageResponse>, SimpleError>> ListEngaged(
        string id,
        [FromQuery(Name = "kind")] string? kind,
        [FromQuery(Name = "url")] string? url,
        [FromQuery(Name = "page"), WholeNumber] string? page,
        [FromQuery(Name = "page_size"), WholeNumber] string? pageSize,
        [AsParameters] EngagementServices services,
        CancellationToken ct)
    {
        if (!TryParseBatchId(id, out var batchId)) return services.Error(AppError.NotFound($"no batch with id {Phones.Echo(id)}"));
        if (ParseKind(kind) is not { } k) return services.Error(KindError(kind));
        if (url?.Length > MessageEvent.MaxUrl) return services.Error(AppError.Validation($"url: at most {MessageEvent.MaxUrl} characters"));
        if (!QueryNumbers.TryParsePositive(page, 1, out var pageNumber)) return services.Error(AppError.Validation($"page: '{Phones.Echo(page!)}' is not a whole number of 1 or more"));
        if (!QueryNumbers.TryParsePositive(pageSize, PageSizes.Default, out var size) || size > PageSizes.Max)
            return services.Error(AppError.Validation($"page_size: '{Phones.Echo(pageSize!)}' is not a whole number between 1 and {PageSizes.Max}"));
        var result = await services.Engagement.WhoAsync(batchId, k, url, services.Caller, pageNumber, size, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var p = result.Value!;
        return TypedResults.Ok(new EngagedRecipientPageResponse(200, "ok",
            p.Items.Select(m => new EngagedRecipientResponse("log_" + m.MessageId, m.Recipient, ApiEnvelope.Timestamp(m.FirstAt), m.Total)).ToList(), p.Total,
            new PageInfo(p.PageNumber, p.PageSize, p.Total, p.TotalPages, p.HasNext, p.HasPrev), services.Now));
    }

    public static async Task<Results<FileContentHttpResult, SimpleError>> ExportEngaged(
        string id,
        [FromQuery(Name = "kind")] string? kind,
        [FromQuery(Name = "url")] string? url,
        [AsParameters] EngagementServices services,
        CancellationToken ct)
    {
        if (!TryParseBatchId(id, out var batchId)) return services.Error(AppError.NotFound($"no batch with id {Phones.Echo(id)}"));
        if (ParseKind(kind) is not { } k) return services.Error(KindError(kind));
        if (url?.Length > MessageEvent.MaxUrl) return services.Error(AppError.Validation($"url: at most {MessageEvent.MaxUrl} characters"));
        // Written whole before the answer starts, so that a batch that is not found is a 404 in the envelope, not a broken file.
        using var buffer = new MemoryStream();
        var result = await services.Engagement.ExportAsync(batchId, k, url, services.Caller, buffer, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        return TypedResults.File(buffer.ToArray(), "text/csv; charset=utf-8", $"batch-{batchId}-{(k == EngagementKind.Open ? "opened" : "clicked")}.csv");
    }

    /// <summary>A batch id as a path gives it: ASCII digits only (a look-alike in another script is no id).</summary>
    private static bool TryParseBatchId(string id, out long batchId) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out batchId) && batchId > 0;

    private static EngagementKind? ParseKind(string? kind) => kind?.Trim().ToLowerInvariant() switch
    {
        "open" or "opened" => EngagementKind.Open,
        "click" or "clicked" => EngagementKind.Click,
        _ => null,
    };

    private static AppError KindError(string? kind) => kind is null
        ? AppError.Validation("kind: required (open or click)")
        : AppError.Validation($"kind: '{Phones.Echo(kind)}' is not one of open, click");

    private static double? Rate(double? rate) => rate is { } r ? Math.Round(r, 4) : null;
}
