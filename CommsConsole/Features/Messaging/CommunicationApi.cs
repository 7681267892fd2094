using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CommsConsole.Features.Api;
using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using CommsConsole.Data;

namespace CommsConsole.Features.Messaging;

/// <summary>dto.BulkSendRequest (document 000).</summary>
[DocumentName("dto.BulkSendRequest")]
public sealed class BulkSendRequest
{
    [JsonPropertyName("channel")] public string? Channel { get; set; }
    [JsonPropertyName("content")] public string? Content { get; set; }
    [JsonPropertyName("recipients")] public List<string?>? Recipients { get; set; }
    [JsonPropertyName("subject")] public string? Subject { get; set; }
    /// <summary>
    /// Email only, optional: <c>markdown</c> or <c>html</c>, the format <c>content</c> is written in (a stored template keeps its
    /// own). Either is sent as HTML, sanitised, with its CSS inlined and a plain-text alternative. Without it, content with
    /// HTML tags is HTML and anything else plain text.
    /// </summary>
    [JsonPropertyName("format")] public string? Format { get; set; }
    [JsonPropertyName("template")] public string? Template { get; set; }
    [JsonPropertyName("user_id")] public string? UserId { get; set; }
    /// <summary>Template variables; values are strings (numbers and booleans are accepted and used as text).</summary>
    [JsonPropertyName("variables")] public Dictionary<string, JsonElement>? Variables { get; set; }
    /// <summary>transactional or marketing (the default here): marketing is held to opt-outs, quiet hours and the tenant's footer rules.</summary>
    [JsonPropertyName("purpose")] public string? Purpose { get; set; }
    /// <summary>Send to the members of this contact list instead of <c>recipients</c>.</summary>
    [JsonPropertyName("list_id"), WholeNumber(Id = true)] public JsonElement? ListId { get; set; }
    /// <summary>Send to the members of this segment instead of <c>recipients</c>.</summary>
    [JsonPropertyName("segment_id"), WholeNumber(Id = true)] public JsonElement? SegmentId { get; set; }
}

/// <summary>dto.AudienceCounts: a send to a list or segment, who was written and who was not, by reason.</summary>
[DocumentName("dto.AudienceCounts")]
public sealed record AudienceCountsResponse(
    [property: JsonPropertyName("members")] int Members,
    [property: JsonPropertyName("will_receive")] int WillReceive,
    [property: JsonPropertyName("no_address")] int NoAddress,
    [property: JsonPropertyName("unsubscribed")] int Unsubscribed,
    [property: JsonPropertyName("invalid")] int Invalid)
{
    public static AudienceCountsResponse From(AudienceCounts c) => new(c.Members, c.WillReceive, c.NoAddress, c.Unsubscribed, c.Invalid);
}

/// <summary>dto.CommunicationLogResponse (documents 000 and 001).</summary>
[DocumentName("dto.CommunicationLogResponse")]
public sealed record CommunicationLogResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("channel")] string Channel,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("recipient")] string Recipient,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("provider")] string? Provider,
    [property: JsonPropertyName("response")] string? Response,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("template_id")] string? TemplateId,
    [property: JsonPropertyName("tenant_id")] string TenantId,
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("batch_id")] long BatchId,
    [property: JsonPropertyName("retry_count")] int RetryCount,
    [property: JsonPropertyName("segments")] int Segments,
    [property: JsonPropertyName("cost")] string Cost,
    [property: JsonPropertyName("created_at")] string CreatedAt,
    [property: JsonPropertyName("updated_at")] string UpdatedAt,
    [property: JsonPropertyName("sent_at")] string? SentAt,
    [property: JsonPropertyName("purpose")] string Purpose)
{
    public static CommunicationLogResponse From(Message m) => new(
        "log_" + m.Id, m.Channel.ToWire(), m.Content, RecipientMask.Mask(m.Recipient), m.Status.ToWire(), m.Provider, m.Response, m.Error,
        m.TemplateId is { } t ? "tpl_" + t : null, m.TenantId, m.UserId, m.BatchId, m.RetryCount, m.Segments,
        m.Cost.ToString("0.00##", CultureInfo.InvariantCulture),
        ApiEnvelope.Timestamp(m.CreatedAt), ApiEnvelope.Timestamp(m.UpdatedAt), m.SentAt is { } s ? ApiEnvelope.Timestamp(s) : null,
        m.Purpose.ToWire());
}

/// <summary>dto.PageInfo.</summary>
[DocumentName("dto.PageInfo")]
public sealed record PageInfo(
    [property: JsonPropertyName("page")] int Page,
    [property: JsonPropertyName("page_size")] int PageSize,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("total_pages")] int TotalPages,
    [property: JsonPropertyName("has_next")] bool HasNext,
    [property: JsonPropertyName("has_prev")] bool HasPrev);

/// <summary>dto.CommunicationLogListResponse.</summary>
[DocumentName("dto.CommunicationLogListResponse")]
public sealed record CommunicationLogListResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("items"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<CommunicationLogResponse>? Items,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("pagination"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PageInfo? Pagination,
    [property: JsonPropertyName("timestamp")] string Timestamp)
{
    /// <summary>Set by a bulk send: the batch its messages belong to.</summary>
    [JsonPropertyName("batch_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? BatchId { get; init; }

    /// <summary>Set by a bulk send: recipients given more than once, sent once.</summary>
    [JsonPropertyName("duplicates")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Duplicates { get; init; }

    /// <summary>Set by a bulk send to a list or segment: its members by what became of them.</summary>
    [JsonPropertyName("audience")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AudienceCountsResponse? Audience { get; init; }
}

/// <summary>What the /communication handlers are given: the caller and the services they answer with.</summary>
public sealed record CommunicationServices(MessagingService Messaging, TimeProvider Clock, HttpContext Http)
    : CallerServices(Http.User);

/// <summary>The /communication face (documents 000 and 001): snake_case, dto.* schemas.</summary>
public static class CommunicationApi
{
    public static RouteGroupBuilder MapCommunicationApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/communication").WithTags("communication").RequireAuthorization(Policies.Read);
        group.MapPost("/bulk", SendBulk).RequireAuthorization(Policies.Send)
            .WithSummary("Send SMS or email to many recipients")
            .WithDescription("Writes one pending log row per recipient and returns them; dispatch happens in the background. `content` (or the stored template's body) is a Liquid template rendered with `variables`. " +
                "For email, `format` (`markdown` or `html`, optional) says what `content` is written in: either goes out as HTML, sanitised (no scripts, event handlers, " +
                "`javascript:`/`data:` addresses, frames or forms), its `<style>` sheets inlined, with a plain-text alternative; variable values are inserted as text. " +
                "Without `format`, content with HTML tags is HTML and anything else plain text; a stored template keeps its own format. " +
                "`purpose` is `marketing` (the default) or `transactional`: marketing to an opted-out recipient is recorded as `suppressed` and not sent, marketing SMS gets the tenant's opt-out hint and waits out its quiet hours, " +
                "and marketing email needs the tenant's postal address. Over the per-tenant or per-user request rate the answer is 429 with `Retry-After`. " +
                "Instead of `recipients`, `list_id` (or `segment_id`) sends to a contact list's members (exactly one of the three): only members with a valid address for the channel " +
                "who have not opted out of it are sent to (for marketing; the opted-out are recorded as `suppressed`), and a contact's fields are template variables " +
                "(`{{ name }}`, `{{ phone }}`, `{{ email }}`, `{{ attributes.city }}`). Such an answer leaves out `items` and `pagination` (an audience may hold millions): " +
                "it gives `batch_id`, `total` (the rows written) and `audience` (members, will_receive, no_address, unsubscribed, invalid). " +
                "With an `Idempotency-Key` header a retried request sends nothing twice (see the header).")
            .Produces<CommunicationLogListResponse>()
            .Produces<SimpleResponse>(400).Produces<SimpleResponse>(401).Produces<SimpleResponse>(403).Produces<SimpleResponse>(404).Produces<SimpleResponse>(429)
            .WithIdempotencyKey<SimpleResponse>();
        group.MapGet("/logs", QueryLogs).RequireRateLimiting(LogReadLimit.Policy)
            .WithSummary("Page through the caller's message logs")
            .Produces<CommunicationLogListResponse>()
            .Produces<SimpleResponse>(400).Produces<SimpleResponse>(401).Produces<SimpleResponse>(403);
        return group;
    }

    public static async Task<Results<WholeJson<CommunicationLogListResponse>, SimpleError>> SendBulk(
        [FromBody] BulkSendRequest body, [AsParameters] CommunicationServices services, CancellationToken ct)
    {
        var error = ToSendRequest(body, out var request);
        if (error is not null) return ApiEnvelope.Simple(error, services.Clock);
        // Up to 10,000 items go back; dispatch starts once they are written rather than competing with the writing.
        var afterAnswer = request! with { StartDispatchAfter = start => services.Http.Response.OnCompleted(() => { start(); return Task.CompletedTask; }) };
        var result = await services.Messaging.SendAsync(afterAnswer, services.Caller, ct);
        if (!result.IsOk) return ApiEnvelope.Simple(result.Error!, services.Clock);

        var receipt = result.Value!;
        if (receipt.Audience is { } audience)
        {
            return new WholeJson<CommunicationLogListResponse>(new CommunicationLogListResponse(200,
                $"accepted {receipt.Batch.Total} messages: {audience.WillReceive} to send, {audience.Unsubscribed} unsubscribed, {audience.NoAddress} without an address, {audience.Invalid} invalid",
                null, receipt.Batch.Total, null, ApiEnvelope.Timestamp(services.Clock.GetUtcNow()))
            {
                BatchId = receipt.Batch.Id,
                Audience = AudienceCountsResponse.From(audience),
            });
        }
        var items = receipt.Messages.Select(CommunicationLogResponse.From).ToList();
        var message = receipt.Duplicates > 0 ? $"accepted {items.Count} messages; {receipt.Duplicates} duplicate recipients sent once" : $"accepted {items.Count} messages";
        return new WholeJson<CommunicationLogListResponse>(new CommunicationLogListResponse(200, message, items, items.Count,
            new PageInfo(1, items.Count, items.Count, 1, false, false), ApiEnvelope.Timestamp(services.Clock.GetUtcNow()))
        {
            BatchId = receipt.Batch.Id,
            Duplicates = receipt.Duplicates,
        });
    }

    public static async Task<Results<Ok<CommunicationLogListResponse>, SimpleError>> QueryLogs(
        [FromQuery(Name = "user_id")] string? userId,
        [FromQuery(Name = "channel")] string? channel,
        [FromQuery(Name = "status")] string? status,
        [FromQuery(Name = "purpose")] string? purpose,
        [FromQuery(Name = "page"), WholeNumber] string? page,
        [FromQuery(Name = "page_size"), WholeNumber] string? pageSize,
        [AsParameters] CommunicationServices services,
        CancellationToken ct)
    {
        if (!QueryNumbers.TryParsePositive(page, 1, out var pageNumber)) return ApiEnvelope.Simple(AppError.Validation($"page: '{page}' is not a whole number of 1 or more"), services.Clock);
        if (!QueryNumbers.TryParsePositive(pageSize, MessagingService.DefaultPageSize, out var size))
            return ApiEnvelope.Simple(AppError.Validation($"page_size: '{pageSize}' is not a whole number between 1 and {MessagingService.MaxPageSize}"), services.Clock);
        var filter = new LogFilter { UserId = userId, Channel = channel, Status = status, Purpose = purpose, Page = pageNumber, PageSize = size };
        var result = await services.Messaging.QueryAsync(filter, services.Caller, ct);
        if (!result.IsOk) return ApiEnvelope.Simple(result.Error!, services.Clock);
        var p = result.Value!;
        return TypedResults.Ok(new CommunicationLogListResponse(200, "ok", p.Items.Select(CommunicationLogResponse.From).ToList(), p.Total,
            new PageInfo(p.PageNumber, p.PageSize, p.Total, p.TotalPages, p.HasNext, p.HasPrev), ApiEnvelope.Timestamp(services.Clock.GetUtcNow())));
    }

    /// <summary>
    /// The audience a request names instead of its recipients, or null when it gives recipients: exactly one of the three
    /// fields must be given. An id is a whole number in ASCII digits (a JSON number or a string of them).
    /// </summary>
    internal static Result<AudienceRef?> AudienceOf(JsonElement? listId, string listField, JsonElement? segmentId, string segmentField, bool hasRecipients, string recipientsField)
    {
        var hasList = listId is { ValueKind: not JsonValueKind.Null };
        var hasSegment = segmentId is { ValueKind: not JsonValueKind.Null };
        if ((hasRecipients ? 1 : 0) + (hasList ? 1 : 0) + (hasSegment ? 1 : 0) != 1)
            return AppError.Validation($"{recipientsField}, {listField}, {segmentField}: give exactly one of them");
        if (hasRecipients) return (AudienceRef?)null;
        var (raw, kind, field) = hasList ? (listId!.Value, AudienceKind.List, listField) : (segmentId!.Value, AudienceKind.Segment, segmentField);
        var text = raw.ValueKind == JsonValueKind.String ? raw.GetString() : raw.ValueKind == JsonValueKind.Number ? raw.GetRawText() : null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
            return AppError.Validation($"{field}: '{Phones.Echo(text ?? raw.GetRawText())}' is not an id");
        return new AudienceRef(kind, id, field);
    }

    internal static AppError? ToSendRequest(BulkSendRequest body, out SendRequest? request)
    {
        request = null;
        if (body is null) return AppError.Validation("body: a JSON object is required");
        if (string.IsNullOrWhiteSpace(body.Channel)) return AppError.Validation("channel: required (sms or email)");
        if (!Wire.TryParseChannel(body.Channel, out var channel)) return AppError.Validation($"channel: '{body.Channel}' is not one of sms, email");
        var audience = AudienceOf(body.ListId, "list_id", body.SegmentId, "segment_id", body.Recipients is not null, "recipients");
        if (!audience.IsOk) return audience.Error;
        Purpose? purpose = null; // the marketing gate's default when not given
        if (body.Purpose is not null)
        {
            if (!Wire.TryParsePurpose(body.Purpose, out var given)) return AppError.Validation($"purpose: '{body.Purpose}' is not one of transactional, marketing");
            purpose = given;
        }
        EmailBodyFormat? format = null; // plain text or HTML as the content looks when not given
        if (body.Format is not null)
        {
            if (!EmailFormat.TryParse(body.Format, out var given)) return AppError.Validation($"format: '{Phones.Echo(body.Format)}' is not one of markdown, html");
            format = given;
        }
        var variables = SendVariables.FromJson(body.Variables, SendVariables.Field.Variables);
        if (!variables.IsOk) return variables.Error;
        request = new SendRequest
        {
            Channel = channel, Recipients = body.Recipients, Audience = audience.Value, Content = body.Content, Subject = body.Subject, TemplateCode = body.Template, Format = format,
            Variables = variables.Value, OnBehalfOfUserId = body.UserId, Source = BatchSources.ApiBulk, Purpose = purpose,
        };
        return null;
    }
}
