using CommsConsole.Data;
using CommsConsole.Features.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CommsConsole.Features.Receipts;

/// <summary>What the webhook handlers are given: no caller (SUBMAIL signs its events instead), the receiver and the request.</summary>
public sealed record ReceiptServices(SubhookReceiver Receiver, TimeProvider Clock, HttpRequest Request);

/// <summary>/webhooks/submail: SUBHOOK events, in the dto.SimpleResponse envelope.</summary>
public static class ReceiptsApi
{
    public static void MapReceiptsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/submail", ReceiveSubmail).AllowAnonymous().WithTags("webhooks").DisableAntiforgery()
            .WithSummary("SUBHOOK delivery reports from SUBMAIL (signed; unsigned or wrongly signed events are refused)")
            .Produces<SimpleResponse>().Produces<SimpleResponse>(400).Produces<SimpleResponse>(401).Produces<SimpleResponse>(409);
        app.MapPost("/webhooks/submail/{tenantId}", ReceiveSubmailForTenant).AllowAnonymous().WithTags("webhooks").DisableAntiforgery()
            .WithSummary("SUBHOOK delivery reports for a tenant's own SUBMAIL account, signed with that account's SUBHOOK key")
            .Produces<SimpleResponse>().Produces<SimpleResponse>(400).Produces<SimpleResponse>(401).Produces<SimpleResponse>(409);
    }

    public static Task<Results<Ok<SimpleResponse>, SimpleError>> ReceiveSubmail([AsParameters] ReceiptServices services, CancellationToken ct) =>
        ReceiveAsync(services, null, ct);

    public static Task<Results<Ok<SimpleResponse>, SimpleError>> ReceiveSubmailForTenant(string tenantId, [AsParameters] ReceiptServices services, CancellationToken ct) =>
        ReceiveAsync(services, tenantId, ct);

    private static async Task<Results<Ok<SimpleResponse>, SimpleError>> ReceiveAsync(ReceiptServices services, string? tenantId, CancellationToken ct)
    {
        var (receiver, clock, request) = services;
        SubhookEvent e;
        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(ct);
            }
            catch (InvalidDataException ex)
            {
                // Over the form reader's limits (key or value length, field count): the caller's mistake, not a fault.
                return ApiEnvelope.Simple(AppError.Validation($"body: not an acceptable form: {ex.Message}"), clock);
            }
            string? F(string name) => form.TryGetValue(name, out var v) ? v.ToString() : null;
            e = new SubhookEvent(F("events"), F("address"), F("app"), F("send_id"), F("tag"), F("timestamp"), F("token"), F("signature"), F("report"), F("content"));
        }
        else if (request.HasJsonContentType())
        {
            Dictionary<string, System.Text.Json.JsonElement> json;
            try
            {
                json = await request.ReadFromJsonAsync<Dictionary<string, System.Text.Json.JsonElement>>(ct) ?? [];
            }
            catch (System.Text.Json.JsonException)
            {
                return ApiEnvelope.Simple(AppError.Validation("body: not a JSON object"), clock);
            }
            string? J(string name) => json.TryGetValue(name, out var v) ? (v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : v.GetRawText()) : null;
            e = new SubhookEvent(J("events"), J("address"), J("app"), J("send_id"), J("tag"), J("timestamp"), J("token"), J("signature"), J("report"), J("content"));
        }
        else
        {
            return ApiEnvelope.Simple(AppError.Validation("body: expected form fields or a JSON object"), clock);
        }
        var authentic = tenantId is null ? receiver.IsAuthentic(e) : await receiver.IsAuthenticForTenantAsync(e, tenantId, ct);
        if (!authentic)
        {
            return ApiEnvelope.Simple(tenantId is null
                ? AppError.Unauthorized("signature: the event is not signed with this installation's SUBHOOK key")
                : AppError.Unauthorized("signature: the event is not signed with the SUBHOOK key of this tenant's SUBMAIL account"), clock);
        }
        if (e.Token!.Trim().Length > SeenWebhookTokenConfiguration.MaxTokenLength)
            return ApiEnvelope.Simple(AppError.Validation($"token: at most {SeenWebhookTokenConfiguration.MaxTokenLength} characters"), clock);
        if (receiver.CheckTimestamp(e) is { } stale) return ApiEnvelope.Simple(stale, clock);
        var outcome = await receiver.ApplyOnceAsync(e, tenantId, ct);
        if (outcome == SubhookOutcome.Replayed)
            return ApiEnvelope.Simple(AppError.Conflict("token: already taken by another event; refused as a replay"), clock);
        return TypedResults.Ok(new SimpleResponse(200, outcome switch
        {
            SubhookOutcome.Applied => "applied",
            SubhookOutcome.AlreadyApplied => "already applied",
            SubhookOutcome.DuplicateDelivery => "duplicate delivery; already applied",
            SubhookOutcome.UnknownSendId => "unknown send id; ignored",
            _ => "acknowledged",
        }, ApiEnvelope.Timestamp(clock.GetUtcNow())));
    }
}
