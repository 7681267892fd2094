using System.Security.Claims;
using System.Text.Json.Serialization;
using CommsConsole.Data;
using CommsConsole.Features.Api;
using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CommsConsole.Features.Webhooks;

/// <summary>dto.WebhookEndpointRequest: an endpoint as written; on PATCH an absent field stays as it is.</summary>
[DocumentName("dto.WebhookEndpointRequest")]
public sealed record WebhookEndpointRequest(
    /// <summary>Where events are POSTed: an absolute http or https URL on the public internet, without credentials.</summary>
    [property: JsonPropertyName("url")] string? Url,
    /// <summary>The events wanted: message.sent, message.delivered, message.failed, message.suppressed, batch.completed, contact.unsubscribed.</summary>
    [property: JsonPropertyName("events")] List<string?>? Events,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("enabled")] bool? Enabled)
{
    internal WebhookEndpointInput ToInput() => new(Url, Events, Description, Enabled);
}

/// <summary>dto.WebhookEndpointResponse: an endpoint; <c>secret</c> only in the answers to its creation and to a rotation.</summary>
[DocumentName("dto.WebhookEndpointResponse")]
public sealed record WebhookEndpointResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("events")] IReadOnlyList<string> Events,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("enabled")] bool Enabled,
    /// <summary>Why the app disabled the endpoint: <c>gone</c> (it answered 410) or <c>failing</c> (every attempt failed for days); null otherwise.</summary>
    [property: JsonPropertyName("disabled_reason")] string? DisabledReason,
    [property: JsonPropertyName("failing_since")] string? FailingSince,
    [property: JsonPropertyName("previous_secret_expires_at")] string? PreviousSecretExpiresAt,
    [property: JsonPropertyName("tenant_id")] string TenantId,
    [property: JsonPropertyName("created_at")] string CreatedAt,
    [property: JsonPropertyName("updated_at")] string UpdatedAt,
    /// <summary>The signing secret (<c>whsec_…</c>), shown this once.</summary>
    [property: JsonPropertyName("secret"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret = null)
{
    public static WebhookEndpointResponse From(WebhookEndpoint e, DateTimeOffset now, string? secret = null) => new(
        e.Id, e.Url, WebhookEvents.Names(e.EventMask), e.Description, e.Enabled, e.DisabledReason,
        e.FailingSince is { } f ? ApiEnvelope.Timestamp(f) : null,
        e.PreviousSecretUntil is { } p && p > now ? ApiEnvelope.Timestamp(p) : null,
        e.TenantId, ApiEnvelope.Timestamp(e.CreatedAt), ApiEnvelope.Timestamp(e.UpdatedAt), secret);
}

/// <summary>dto.WebhookEndpointListResponse.</summary>
[DocumentName("dto.WebhookEndpointListResponse")]
public sealed record WebhookEndpointListResponse(
    [property: JsonPropertyName("items")] IReadOnlyList<WebhookEndpointResponse> Items,
    [property: JsonPropertyName("total")] int Total);

/// <summary>dto.WebhookAttemptResponse: one HTTP attempt of a delivery.</summary>
[DocumentName("dto.WebhookAttemptResponse")]
public sealed record WebhookAttemptResponse(
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("status_code")] int? StatusCode,
    [property: JsonPropertyName("latency_ms")] int LatencyMs,
    /// <summary>The first kilobyte (at most 1,024 characters) of what the endpoint answered.</summary>
    [property: JsonPropertyName("response")] string? Response,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("at")] string At);

/// <summary>dto.WebhookDeliveryResponse: one event for the endpoint, with its attempts newest first.</summary>
[DocumentName("dto.WebhookDeliveryResponse")]
public sealed record WebhookDeliveryResponse(
    [property: JsonPropertyName("id")] long Id,
    /// <summary>The <c>webhook-id</c> header it is sent with, the same on every attempt.</summary>
    [property: JsonPropertyName("webhook_id")] string WebhookId,
    [property: JsonPropertyName("event")] string Event,
    /// <summary>pending, sending, succeeded, failed (gave up, or 410) or cancelled (the endpoint was disabled or stopped wanting the event).</summary>
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("message_id")] string? MessageId,
    [property: JsonPropertyName("batch_id")] long? BatchId,
    [property: JsonPropertyName("next_attempt_at")] string? NextAttemptAt,
    [property: JsonPropertyName("created_at")] string CreatedAt,
    [property: JsonPropertyName("history")] IReadOnlyList<WebhookAttemptResponse> History)
{
    public static WebhookDeliveryResponse From(WebhookDeliveryView v)
    {
        var d = v.Delivery;
        return new(d.Id, WebhookSender.WebhookId(d.Id), d.Event, d.Status.ToString().ToLowerInvariant(), d.Attempts,
            d.MessageId is { } m ? "log_" + m : null, d.BatchId,
            d.Status == WebhookDeliveryStatus.Pending ? ApiEnvelope.Timestamp(d.NextAttemptAt) : null, ApiEnvelope.Timestamp(d.CreatedAt),
            v.Attempts.Select(a => new WebhookAttemptResponse(a.Number, a.StatusCode, a.LatencyMs, a.ResponseExcerpt, a.Error, ApiEnvelope.Timestamp(a.At))).ToList());
    }
}

/// <summary>dto.WebhookDeliveryListResponse.</summary>
[DocumentName("dto.WebhookDeliveryListResponse")]
public sealed record WebhookDeliveryListResponse(
    [property: JsonPropertyName("items")] IReadOnlyList<WebhookDeliveryResponse> Items,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("page")] int Page,
    [property: JsonPropertyName("page_size")] int PageSize);

/// <summary>What the /webhooks handlers are given.</summary>
public sealed record WebhookServices(WebhookEndpointService Endpoints, TimeProvider Clock, ClaimsPrincipal User) : CallerServices(User)
{
    public SimpleError Error(AppError error) => ApiEnvelope.Simple(error, Clock);
    public DateTimeOffset Now => Clock.GetUtcNow();
}

/// <summary>/webhooks/endpoints: a tenant's outbound webhook endpoints, for its Admins, in the /communication family's style.</summary>
public static class WebhooksApi
{
    public static void MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/webhooks/endpoints").WithTags("webhooks").RequireAuthorization(Policies.ManageUsers);
        group.MapPost("", Create).Errors().Produces<SimpleResponse>(409)
            .WithSummary("Register an endpoint; the answer carries its signing secret (whsec_…), shown this once");
        group.MapGet("", List).Errors().WithSummary("The tenant's webhook endpoints");
        group.MapGet("/{id}", Get).Errors().WithSummary("One webhook endpoint");
        group.MapPatch("/{id}", Update).Errors().WithSummary("Change an endpoint's url, events, description or enabled; absent fields stay");
        group.MapDelete("/{id}", Delete).Errors().WithSummary("Remove an endpoint with its deliveries");
        group.MapPost("/{id}/rotate-secret", Rotate).Errors()
            .WithSummary("A new signing secret, shown this once; the previous one also signs for 24 hours (both signatures are sent)");
        group.MapGet("/{id}/deliveries", Deliveries).Errors().WithSummary("The endpoint's recent deliveries, newest first, each with its attempts");
        group.MapPost("/{id}/deliveries/{delivery_id}/resend", Resend).Errors().Produces<SimpleResponse>(409)
            .WithSummary("Send a finished delivery again now, with the same webhook-id");
        group.MapPost("/{id}/test", SendTest).Errors().WithSummary("Send a webhook.test event to the endpoint");
    }

    private static RouteHandlerBuilder Errors(this RouteHandlerBuilder endpoint) =>
        endpoint.Produces<SimpleResponse>(400).Produces<SimpleResponse>(401).Produces<SimpleResponse>(403).Produces<SimpleResponse>(404);

    private static bool TryId(string raw, out long id, out AppError? missing)
    {
        if (long.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id) && id >= 1)
        {
            missing = null;
            return true;
        }
        missing = AppError.NotFound($"id: no webhook endpoint with id {Phones.Echo(raw)}");
        return false;
    }

    public static async Task<Results<Created<WebhookEndpointResponse>, SimpleError>> Create([FromBody] WebhookEndpointRequest body, [AsParameters] WebhookServices services, CancellationToken ct)
    {
        if (body is null) return services.Error(AppError.Validation("body: a JSON object is required"));
        var result = await services.Endpoints.CreateAsync(body.ToInput(), services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var response = WebhookEndpointResponse.From(result.Value!.Endpoint, services.Now, result.Value.Secret);
        return TypedResults.Created($"/webhooks/endpoints/{response.Id}", response);
    }

    public static async Task<Results<Ok<WebhookEndpointListResponse>, SimpleError>> List([AsParameters] WebhookServices services, CancellationToken ct)
    {
        var result = await services.Endpoints.ListAsync(services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var items = result.Value!.Select(e => WebhookEndpointResponse.From(e, services.Now)).ToList();
        return TypedResults.Ok(new WebhookEndpointListResponse(items, items.Count));
    }

    public static async Task<Results<Ok<WebhookEndpointResponse>, SimpleError>> Get(string id, [AsParameters] WebhookServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        var result = await services.Endpoints.GetAsync(key, services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(WebhookEndpointResponse.From(result.Value!, services.Now)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<WebhookEndpointResponse>, SimpleError>> Update(string id, [FromBody] WebhookEndpointRequest body, [AsParameters] WebhookServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        if (body is null) return services.Error(AppError.Validation("body: a JSON object is required"));
        var result = await services.Endpoints.UpdateAsync(key, body.ToInput(), services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(WebhookEndpointResponse.From(result.Value!, services.Now)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<SimpleResponse>, SimpleError>> Delete(string id, [AsParameters] WebhookServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        var result = await services.Endpoints.DeleteAsync(key, services.Caller, ct);
        return result.IsOk
            ? TypedResults.Ok(new SimpleResponse(200, $"webhook endpoint {key} deleted", ApiEnvelope.Timestamp(services.Now)))
            : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<WebhookEndpointResponse>, SimpleError>> Rotate(string id, [AsParameters] WebhookServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        var result = await services.Endpoints.RotateSecretAsync(key, services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(WebhookEndpointResponse.From(result.Value!.Endpoint, services.Now, result.Value.Secret)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<WebhookDeliveryListResponse>, SimpleError>> Deliveries(string id,
        [FromQuery(Name = "page"), WholeNumber] string? page, [FromQuery(Name = "page_size"), WholeNumber] string? pageSize, [AsParameters] WebhookServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        if (!QueryNumbers.TryParsePositive(page, 1, out var pageNumber)) return services.Error(AppError.Validation($"page: '{page}' is not a whole number of 1 or more"));
        if (!QueryNumbers.TryParsePositive(pageSize, PageSizes.Default, out var size) || size > PageSizes.Max)
            return services.Error(AppError.Validation($"page_size: '{pageSize}' is not a whole number between 1 and {PageSizes.Max}"));
        var result = await services.Endpoints.DeliveriesAsync(key, pageNumber, size, services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var p = result.Value!;
        return TypedResults.Ok(new WebhookDeliveryListResponse(p.Items.Select(WebhookDeliveryResponse.From).ToList(), p.Total, p.PageNumber, p.PageSize));
    }

    public static async Task<Results<Accepted<WebhookDeliveryResponse>, SimpleError>> Resend(string id, [FromRoute(Name = "delivery_id")] string deliveryId, [AsParameters] WebhookServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        if (!long.TryParse(deliveryId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var delivery))
            return services.Error(AppError.NotFound($"delivery_id: no delivery {Phones.Echo(deliveryId)} of webhook endpoint {key}"));
        var result = await services.Endpoints.ResendAsync(key, delivery, services.Caller, ct);
        return result.IsOk ? TypedResults.Accepted((string?)null, WebhookDeliveryResponse.From(new WebhookDeliveryView(result.Value!, []))) : services.Error(result.Error!);
    }

    public static async Task<Results<Accepted<WebhookDeliveryResponse>, SimpleError>> SendTest(string id, [AsParameters] WebhookServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        var result = await services.Endpoints.SendTestAsync(key, services.Caller, ct);
        return result.IsOk ? TypedResults.Accepted((string?)null, WebhookDeliveryResponse.From(new WebhookDeliveryView(result.Value!, []))) : services.Error(result.Error!);
    }
}
