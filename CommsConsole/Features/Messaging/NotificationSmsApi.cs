using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CommsConsole.Features.Api;
using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using CommsConsole.Data;

namespace CommsConsole.Features.Messaging;

public sealed class SmsSendRequest
{
    public string? Phone { get; set; }
    public string? Content { get; set; }
    public string? ReceiverName { get; set; }
    public long? ReceiverId { get; set; }
    public long? CampusId { get; set; }
    public string? BizType { get; set; }
    public long? BizId { get; set; }
    public string? Remark { get; set; }
    /// <summary>transactional or marketing; see the endpoint's description for the default.</summary>
    public string? Purpose { get; set; }
}

public sealed class SmsBatchRequest
{
    public List<string?>? Phones { get; set; }
    /// <summary>Send to the members of this contact list instead of <c>phones</c>.</summary>
    [WholeNumber(Id = true)] public JsonElement? ListId { get; set; }
    /// <summary>Send to the members of this segment instead of <c>phones</c>.</summary>
    [WholeNumber(Id = true)] public JsonElement? SegmentId { get; set; }
    public string? Content { get; set; }
    public long? CampusId { get; set; }
    public string? BizType { get; set; }
    public long? BizId { get; set; }
    public string? Remark { get; set; }
    /// <summary>transactional or marketing; see the endpoint's description for the default.</summary>
    public string? Purpose { get; set; }
}

public sealed class SmsTemplateRequest
{
    public string? Phone { get; set; }
    public List<string?>? Phones { get; set; }
    public string? TemplateCode { get; set; }
    public Dictionary<string, JsonElement>? Params { get; set; }
    public string? ReceiverName { get; set; }
    public long? ReceiverId { get; set; }
    public long? CampusId { get; set; }
    public string? BizType { get; set; }
    public long? BizId { get; set; }
    public string? Remark { get; set; }
    /// <summary>transactional or marketing; see the endpoint's description for the default.</summary>
    public string? Purpose { get; set; }
}

public sealed record SmsSendResult(long LogId, string Phone, string Status, string? ThirdPartyId, string? FailReason, string? SendTime, string Cost);

public sealed record SmsBatchResult(int Total, int SuccessCount, int FailCount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<SmsSendResult>? Details)
{
    /// <summary>A send to a list or segment: its batch (its records are read through the logs).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? BatchId { get; init; }

    /// <summary>A send to a list or segment: its members by what became of them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SmsAudienceCounts? Audience { get; init; }
}

public sealed record SmsAudienceCounts(int Members, int WillReceive, int NoAddress, int Unsubscribed, int Invalid);

public sealed record SmsStatusResult(long LogId, string Phone, string Status, string? SendTime, string? FailReason, int RetryCount,
    string? ThirdPartyId, string? ThirdPartyStatus);

public sealed class NotificationOptions
{
    public const string Section = "Notification";
    /// <summary>How long single sends and retries wait for the dispatcher's outcome before answering pending.</summary>
    public int WaitForOutcomeMs { get; set; } = 2_000;
}

/// <summary>What the /notification/sms handlers are given: the caller and the services they answer with.</summary>
public sealed record NotificationServices(MessagingService Messaging, IOptions<NotificationOptions> Options, HttpContext Http)
    : CallerServices(Http.User)
{
    public TimeSpan Wait => TimeSpan.FromMilliseconds(Options.Value.WaitForOutcomeMs);
}

/// <summary>The /notification/sms face (document 003): camelCase, {code, message, data}, business codes 1001–1005.</summary>
public static class NotificationSmsApi
{
    public const int MaxBatchPhones = 1_000;

    public static RouteGroupBuilder MapNotificationSmsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/notification/sms").WithTags("notification-sms").RequireAuthorization(Policies.Read);
        const string idempotent = " With an `Idempotency-Key` header a request sent again (after a timeout, say) answers the first answer and sends nothing twice; " +
            "the same key with another request is 422 (code 422), and while the first still runs 409 (code 409) with `Retry-After`.";
        const string purpose = " `purpose` may be `transactional` or `marketing`; marketing to an opted-out number is recorded as `suppressed` (not sent), " +
            "gets the tenant's opt-out hint and waits out its quiet hours. Over the per-tenant or per-user request rate: 429 with `Retry-After`. " +
            "Verification codes (template VERIFY_CODE or bizType verify_code) are capped per number per minute, hour and day: over a cap the answer is HTTP 429 " +
            "with business code 1006 (not in document 003, which ends at 1005) and nothing is sent." + idempotent;
        group.MapPost("/send", Send).RequireAuthorization(Policies.Send).WithSummary("Send one SMS")
            .WithDescription("Transactional unless `purpose` says marketing." + purpose)
            .Produces<NotificationResponse<SmsSendResult>>().Produces<NotificationResponse<object>>(400).Produces<NotificationResponse<object>>(429)
            .WithIdempotencyKey<NotificationResponse<object>>();
        group.MapPost("/send-batch", SendBatch).RequireAuthorization(Policies.Send).WithSummary("Send one SMS to up to 1,000 phones, or to a contact list")
            .WithDescription("Marketing unless `purpose` says transactional. Instead of `phones`, `listId` (or `segmentId`) sends to a contact list's members (exactly one of the three): " +
                "only members with a phone who have not opted out of SMS are sent to (for marketing; the opted-out are recorded as `suppressed`), and `{{ name }}`, `{{ attributes.city }}` " +
                "read the contact. Such an answer leaves out `details` (a list may hold millions) and gives `batchId`, `total` (records written) and `audience` " +
                "(members, willReceive, noAddress, unsubscribed, invalid)." + purpose)
            .Produces<NotificationResponse<SmsBatchResult>>().Produces<NotificationResponse<object>>(400).Produces<NotificationResponse<object>>(429)
            .WithIdempotencyKey<NotificationResponse<object>>();
        group.MapPost("/send-template", SendTemplate).RequireAuthorization(Policies.Send).WithSummary("Send a stored template to one phone or many")
            .WithDescription("Transactional for templateCode VERIFY_CODE, marketing for any other template, unless `purpose` says otherwise." + purpose)
            .Produces<NotificationResponse<SmsSendResult>>().Produces<NotificationResponse<object>>(400).Produces<NotificationResponse<object>>(404).Produces<NotificationResponse<object>>(429)
            .WithIdempotencyKey<NotificationResponse<object>>();
        group.MapGet("/status/{id}", Status).WithSummary("Status of one record")
            .Produces<NotificationResponse<SmsStatusResult>>().Produces<NotificationResponse<object>>(404);
        group.MapPost("/retry/{id}", Retry).RequireAuthorization(Policies.Send).WithSummary("Send a failed record again")
            .WithDescription("Code 1004 when the record has not failed, 1005 when its retries are exhausted." + idempotent)
            .Produces<NotificationResponse<SmsSendResult>>().Produces<NotificationResponse<object>>(404).Produces<NotificationResponse<object>>(429)
            .WithIdempotencyKey<NotificationResponse<object>>();
        return group;
    }

    public static async Task<Results<Ok<NotificationResponse<SmsSendResult>>, NotificationError>> Send([FromBody] SmsSendRequest body, [AsParameters] NotificationServices services, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Phone)) return ApiEnvelope.Notification(AppError.Validation("phone: required", MessagingService.CodeBadPhone));
        if (!TryPurpose(body.Purpose, out var purpose, out var bad)) return bad;
        var request = new SendRequest
        {
            Channel = Channel.Sms, Recipients = [body.Phone], RecipientField = "phone", MaxRecipients = 1, Content = body.Content,
            ReceiverName = body.ReceiverName, ReceiverId = body.ReceiverId, CampusId = body.CampusId, BizType = body.BizType,
            BizId = body.BizId, Remark = body.Remark, Source = BatchSources.SmsSend, Purpose = purpose,
        };
        var sent = await SendAndWaitAsync(request, services, ct);
        return sent.IsOk ? Ok(sent.Value!) : ApiEnvelope.Notification(sent.Error!);
    }

    public static async Task<Results<Ok<NotificationResponse<SmsBatchResult>>, NotificationError>> SendBatch([FromBody] SmsBatchRequest body, [AsParameters] NotificationServices services, CancellationToken ct)
    {
        var audience = CommunicationApi.AudienceOf(body.ListId, "listId", body.SegmentId, "segmentId", body.Phones is not null, "phones");
        if (!audience.IsOk) return ApiEnvelope.Notification(audience.Error! with { Code = MessagingService.CodeBadPhone });
        if (audience.Value is null && body.Phones!.Count == 0) return ApiEnvelope.Notification(AppError.Validation("phones: at least one phone is required", MessagingService.CodeBadPhone));
        if (!TryPurpose(body.Purpose, out var purpose, out var bad)) return bad;
        var request = new SendRequest
        {
            Channel = Channel.Sms, Recipients = body.Phones, Audience = audience.Value, RecipientField = "phones", MaxRecipients = MaxBatchPhones, Content = body.Content,
            CampusId = body.CampusId, BizType = body.BizType, BizId = body.BizId, Remark = body.Remark, Source = BatchSources.SmsBatch, Purpose = purpose,
        };
        var result = await services.Messaging.SendAsync(request, services.Caller, ct);
        if (!result.IsOk) return ApiEnvelope.Notification(result.Error!);
        if (result.Value!.Audience is { } counts)
        {
            return Ok(new SmsBatchResult(result.Value.Batch.Total, 0, 0, null)
            {
                BatchId = result.Value.Batch.Id,
                Audience = new SmsAudienceCounts(counts.Members, counts.WillReceive, counts.NoAddress, counts.Unsubscribed, counts.Invalid),
            });
        }
        return Ok(ToBatch(result.Value.Messages));
    }

    /// <summary>One phone answers as <see cref="Send"/> does (the record, once its outcome is known or the wait is over), many as <see cref="SendBatch"/>.</summary>
    public static async Task<Results<Ok<NotificationResponse<SmsSendResult>>, Ok<NotificationResponse<SmsBatchResult>>, NotificationError>> SendTemplate(
        [FromBody] SmsTemplateRequest body, [AsParameters] NotificationServices services, CancellationToken ct)
    {
        var hasOne = !string.IsNullOrWhiteSpace(body.Phone);
        var hasMany = body.Phones is { Count: > 0 };
        if (hasOne == hasMany)
            return ApiEnvelope.Notification(hasOne
                ? AppError.Validation("phone, phones: give one or the other, not both", MessagingService.CodeBadPhone)
                : AppError.Validation("phone: required (or phones)", MessagingService.CodeBadPhone));
        if (string.IsNullOrWhiteSpace(body.TemplateCode)) return ApiEnvelope.Notification(AppError.Validation("templateCode: required"));
        if (!TryPurpose(body.Purpose, out var purpose, out var bad)) return bad;
        var variables = SendVariables.FromJson(body.Params, SendVariables.Field.Params);
        if (!variables.IsOk) return ApiEnvelope.Notification(variables.Error!);
        var request = new SendRequest
        {
            Channel = Channel.Sms, Recipients = hasOne ? [body.Phone] : body.Phones, RecipientField = hasOne ? "phone" : "phones",
            MaxRecipients = hasOne ? 1 : MaxBatchPhones, TemplateCode = body.TemplateCode, Variables = variables.Value,
            ReceiverName = body.ReceiverName, ReceiverId = body.ReceiverId, CampusId = body.CampusId, BizType = body.BizType,
            BizId = body.BizId, Remark = body.Remark, Source = BatchSources.SmsTemplate, Purpose = purpose,
        };
        if (hasOne)
        {
            var sent = await SendAndWaitAsync(request, services, ct);
            return sent.IsOk ? Ok(sent.Value!) : ApiEnvelope.Notification(sent.Error!);
        }
        var result = await services.Messaging.SendAsync(request, services.Caller, ct);
        return result.IsOk ? Ok(ToBatch(result.Value!.Messages)) : ApiEnvelope.Notification(result.Error!);
    }

    public static async Task<Results<Ok<NotificationResponse<SmsStatusResult>>, NotificationError>> Status(string id, [AsParameters] NotificationServices services, CancellationToken ct)
    {
        if (!TryParseId(id, out var logId)) return ApiEnvelope.Notification(AppError.Validation($"id: '{id}' is not a record id"));
        var result = await services.Messaging.GetAsync(logId, services.Caller, ct);
        if (!result.IsOk) return ApiEnvelope.Notification(result.Error!);
        var m = result.Value!;
        return Ok(new SmsStatusResult(m.Id, m.RecipientShownTo(services.Caller), StatusOf(m), Time(m.SentAt), m.Error, m.RetryCount, m.ThirdPartyId, m.ThirdPartyStatus));
    }

    public static async Task<Results<Ok<NotificationResponse<SmsSendResult>>, NotificationError>> Retry(string id, [AsParameters] NotificationServices services, CancellationToken ct)
    {
        if (!TryParseId(id, out var logId)) return ApiEnvelope.Notification(AppError.Validation($"id: '{id}' is not a record id"));
        var result = await services.Messaging.RetryAsync(logId, services.Caller, ct);
        if (!result.IsOk) return ApiEnvelope.Notification(result.Error!);
        var settled = await services.Messaging.WaitForOutcomeAsync([logId], services.Wait, ct);
        return Ok(ToResult(settled.Single()));
    }

    /// <summary>Sends to one phone and waits (up to <see cref="NotificationServices.Wait"/>) for the dispatcher's outcome.</summary>
    private static async Task<Result<SmsSendResult>> SendAndWaitAsync(SendRequest request, NotificationServices services, CancellationToken ct)
    {
        var result = await services.Messaging.SendAsync(request, services.Caller, ct);
        if (!result.IsOk) return result.Error!;
        var ids = result.Value!.Messages.Select(m => m.Id).ToList();
        var settled = await services.Messaging.WaitForOutcomeAsync(ids, services.Wait, ct);
        return ToResult(settled.Single());
    }

    /// <summary>The purpose the request gives, or null for the marketing gate's default (<see cref="Compliance.MarketingGate.DefaultPurpose"/>).</summary>
    private static bool TryPurpose(string? raw, out Purpose? purpose, out NotificationError error)
    {
        error = null!;
        purpose = null;
        if (raw is null) return true;
        if (Wire.TryParsePurpose(raw, out var given))
        {
            purpose = given;
            return true;
        }
        error = ApiEnvelope.Notification(AppError.Validation($"purpose: '{raw}' is not one of transactional, marketing"));
        return false;
    }

    private static Ok<NotificationResponse<T>> Ok<T>(T data) => TypedResults.Ok(new NotificationResponse<T>(200, ApiEnvelope.NotificationOk, data));

    private static SmsBatchResult ToBatch(IReadOnlyList<Message> messages)
    {
        var details = messages.Select(ToResult).ToList();
        return new SmsBatchResult(details.Count, details.Count(d => d.Status == "success"), details.Count(d => d.Status == "failed"), details);
    }

    internal static SmsSendResult ToResult(Message m) =>
        new(m.Id, m.Recipient, StatusOf(m), m.ThirdPartyId, m.Error, Time(m.SentAt), m.Cost.ToString("0.00##", CultureInfo.InvariantCulture));

    /// <summary>Document 003 knows pending, sending, success and failed: sent and delivered are both success.</summary>
    internal static string StatusOf(Message m) => m.Status.Succeeded() ? "success" : m.Status.ToWire();

    private static string? Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    private static bool TryParseId(string raw, out long id) =>
        long.TryParse(raw.StartsWith("log_", StringComparison.Ordinal) ? raw[4..] : raw, NumberStyles.None, CultureInfo.InvariantCulture, out id);
}
