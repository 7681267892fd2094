using CommsConsole.Features.Tracking;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using CommsConsole.Data;
using CommsConsole.Features.Api;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CommsConsole.Features.Campaigns;

/// <summary>dto.CampaignRequest: the fields of dto.BulkSendRequest, a name and an optional planned time; on PATCH every field is optional.</summary>
[DocumentName("dto.CampaignRequest")]
public sealed class CampaignRequest
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("channel")] public string? Channel { get; set; }
    [JsonPropertyName("content")] public string? Content { get; set; }
    [JsonPropertyName("subject")] public string? Subject { get; set; }
    /// <summary>What an email's content is written in: markdown or html (left out: HTML when it has tags, else plain text; on PATCH an empty string goes back to that).</summary>
    [JsonPropertyName("format")] public string? Format { get; set; }
    [JsonPropertyName("template")] public string? Template { get; set; }
    /// <summary>Template variables; values are strings (numbers and booleans are accepted and used as text).</summary>
    [JsonPropertyName("variables")] public Dictionary<string, JsonElement>? Variables { get; set; }
    /// <summary>transactional or marketing (the default).</summary>
    [JsonPropertyName("purpose")] public string? Purpose { get; set; }
    [JsonPropertyName("recipients")] public List<string?>? Recipients { get; set; }
    [JsonPropertyName("list_id")] public JsonElement? ListId { get; set; }
    [JsonPropertyName("segment_id")] public JsonElement? SegmentId { get; set; }
    /// <summary>ISO 8601 with a zone (2026-12-24T09:00:00+08:00 or …Z): when <c>/schedule</c> without a time schedules it.</summary>
    [JsonPropertyName("scheduled_at")] public string? ScheduledAt { get; set; }
}

/// <summary>dto.ScheduleRequest.</summary>
[DocumentName("dto.ScheduleRequest")]
public sealed class ScheduleRequest
{
    /// <summary>ISO 8601 with a zone, in the future; the campaign's planned time when left out.</summary>
    [JsonPropertyName("scheduled_at")] public string? ScheduledAt { get; set; }
}

/// <summary>dto.CampaignTestRequest.</summary>
[DocumentName("dto.CampaignTestRequest")]
public sealed class CampaignTestRequest
{
    /// <summary>At most 10 phone numbers or email addresses; the caller's own when left out or empty.</summary>
    [JsonPropertyName("recipients")] public List<string?>? Recipients { get; set; }
}

/// <summary>dto.CampaignResponse.</summary>
[DocumentName("dto.CampaignResponse")]
public sealed record CampaignResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("channel")] string Channel,
    [property: JsonPropertyName("purpose")] string? Purpose,
    [property: JsonPropertyName("template")] string? Template,
    [property: JsonPropertyName("content")] string? Content,
    [property: JsonPropertyName("subject")] string? Subject,
    [property: JsonPropertyName("format")] string? Format,
    [property: JsonPropertyName("variables")] IReadOnlyDictionary<string, string> Variables,
    [property: JsonPropertyName("recipients")] IReadOnlyList<string>? Recipients,
    [property: JsonPropertyName("recipient_count")] int RecipientCount,
    [property: JsonPropertyName("list_id")] long? ListId,
    [property: JsonPropertyName("segment_id")] long? SegmentId,
    [property: JsonPropertyName("scheduled_at")] string? ScheduledAt,
    [property: JsonPropertyName("batch_id")] long? BatchId,
    [property: JsonPropertyName("last_error")] string? LastError,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("sent")] int Sent,
    [property: JsonPropertyName("delivered")] int Delivered,
    [property: JsonPropertyName("failed")] int Failed,
    [property: JsonPropertyName("cost")] string Cost,
    [property: JsonPropertyName("tenant_id")] string TenantId,
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("created_at")] string CreatedAt,
    [property: JsonPropertyName("updated_at")] string UpdatedAt,
    [property: JsonPropertyName("started_at")] string? StartedAt,
    [property: JsonPropertyName("finished_at")] string? FinishedAt)
{
    public static CampaignResponse From(CampaignView v)
    {
        var c = v.Campaign;
        var b = v.Batch;
        return new(c.Id, c.Name, c.State.ToWire(), c.Channel.ToWire(), c.Purpose?.ToWire(), c.TemplateCode, c.Content, c.Subject,
            c.Format?.ToWire(), CampaignService.VariablesOf(c), c.Recipients is null ? null : CampaignService.RecipientsOf(c), c.RecipientCount, c.ListId, c.SegmentId,
            Time(c.ScheduledAt), c.BatchId, c.LastError, b?.Total ?? 0, b?.Sent ?? 0, b?.Delivered ?? 0, b?.Failed ?? 0,
            v.Cost.ToString("0.00##", CultureInfo.InvariantCulture), c.TenantId, c.UserId,
            ApiEnvelope.Timestamp(c.CreatedAt), ApiEnvelope.Timestamp(c.UpdatedAt), Time(c.StartedAt), Time(c.FinishedAt));
    }

    private static string? Time(DateTimeOffset? at) => at is { } t ? ApiEnvelope.Timestamp(t) : null;
}

/// <summary>dto.CampaignPageResponse: a page of campaigns.</summary>
[DocumentName("dto.CampaignPageResponse")]
public sealed record CampaignPageResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("items")] IReadOnlyList<CampaignResponse> Items,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("pagination")] PageInfo Pagination,
    [property: JsonPropertyName("timestamp")] string Timestamp);

/// <summary>dto.CampaignIdResponse: the id of the draft a create or a duplicate made.</summary>
[DocumentName("dto.CampaignIdResponse")]
public sealed record CampaignIdResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("timestamp")] string Timestamp);

/// <summary>dto.CampaignTestResponse: the test batch and its messages.</summary>
[DocumentName("dto.CampaignTestResponse")]
public sealed record CampaignTestResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("batch_id")] long BatchId,
    [property: JsonPropertyName("items")] IReadOnlyList<CommunicationLogResponse> Items,
    [property: JsonPropertyName("timestamp")] string Timestamp);

/// <summary>dto.CampaignFailure.</summary>
[DocumentName("dto.CampaignFailure")]
public sealed record CampaignFailureResponse(
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("count")] int Count);

/// <summary>dto.CampaignHour: messages handed to the provider in the hour starting at <c>hour</c> (UTC).</summary>
[DocumentName("dto.CampaignHour")]
public sealed record CampaignHourResponse(
    [property: JsonPropertyName("hour")] string Hour,
    [property: JsonPropertyName("sent")] int Sent);

/// <summary>dto.CampaignStatsResponse: a campaign's delivery results; its test sends are not counted.</summary>
[DocumentName("dto.CampaignStatsResponse")]
public sealed record CampaignStatsResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("batch_id")] long? BatchId,
    [property: JsonPropertyName("audience")] int Audience,
    [property: JsonPropertyName("pending")] int Pending,
    [property: JsonPropertyName("sent")] int Sent,
    [property: JsonPropertyName("delivered")] int Delivered,
    [property: JsonPropertyName("failed")] int Failed,
    [property: JsonPropertyName("suppressed")] int Suppressed,
    [property: JsonPropertyName("cancelled")] int Cancelled,
    [property: JsonPropertyName("cost")] string Cost,
    [property: JsonPropertyName("unsubscribed")] int Unsubscribed,
    [property: JsonPropertyName("failures")] IReadOnlyList<CampaignFailureResponse> Failures,
    [property: JsonPropertyName("sends_by_hour")] IReadOnlyList<CampaignHourResponse> SendsByHour,
    /// <summary>Email: messages opened by people (unique) and their opens (total); machines' prefetches are not counted.</summary>
    [property: JsonPropertyName("opened")] EngagementCountResponse Opened,
    /// <summary>Email: messages whose links people followed (unique) and their clicks (total).</summary>
    [property: JsonPropertyName("clicked")] EngagementCountResponse Clicked,
    /// <summary>Email: messages that bounced, hard or soft (each once).</summary>
    [property: JsonPropertyName("bounced")] int Bounced,
    [property: JsonPropertyName("bounced_hard")] int BouncedHard,
    [property: JsonPropertyName("bounced_soft")] int BouncedSoft,
    [property: JsonPropertyName("timestamp")] string Timestamp);

/// <summary>What the campaign handlers are given: the caller and the services they answer with.</summary>
public sealed record CampaignServices(CampaignService Campaigns, TimeProvider Clock, ClaimsPrincipal User) : CallerServices(User)
{
    public SimpleError Error(AppError error) => ApiEnvelope.Simple(error, Clock);
    public string Now => ApiEnvelope.Timestamp(Clock.GetUtcNow());
}

/// <summary>Campaigns in the /communication family's style (snake_case, its envelope and error style).</summary>
public static partial class CampaignsApi
{
    public static void MapCampaignsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/communication/campaigns").WithTags("campaigns").RequireAuthorization(Policies.Read);
        group.MapPost("", Create).RequireAuthorization(Policies.Send).Errors()
            .WithSummary("Draft a campaign")
            .WithDescription("Takes the fields of `POST /communication/bulk` (`channel`, `content` or `template`, `subject`, `variables`, `purpose`, and exactly one of " +
                "`recipients`, `list_id`, `segment_id`), checked by the same rules, plus `name` and an optional `scheduled_at` (ISO 8601 with a zone, in the future): " +
                "its planned time, which `/schedule` uses when given none. Content may still be missing in a draft. Answers 201 with the draft's `id`; nothing is sent.")
            .Produces<CampaignIdResponse>(201);
        group.MapGet("", List).Errors()
            .WithSummary("Page through the campaigns the caller may see, newest first (state: draft, scheduled, sending, sent, cancelled)")
            .WithDescription("Items leave pasted recipients out (`recipients` is null; `recipient_count` says how many there are); `GET /communication/campaigns/{id}` gives them.")
            .Produces<CampaignPageResponse>();
        group.MapGet("/{id}", Get).Errors().WithSummary("A campaign, with its batch's counts and cost once it has started").Produces<CampaignResponse>();
        group.MapPatch("/{id}", Patch).RequireAuthorization(Policies.Send).Errors()
            .WithSummary("Change a draft or a scheduled campaign")
            .WithDescription("Fields left out are kept; giving `recipients`, `list_id` or `segment_id` replaces the audience. The result is checked as a create is. " +
                "A campaign that has started (or was cancelled) answers 409. Edits made at once are applied one after the other, each whole.")
            .Produces<CampaignResponse>().Produces<SimpleResponse>(409);
        group.MapPost("/{id}/schedule", Schedule).RequireAuthorization(Policies.Send).Errors()
            .WithSummary("Schedule (or reschedule) a campaign")
            .WithDescription("`scheduled_at` (ISO 8601 with a zone) must be in the future (400 otherwise), at most 366 days ahead; left out, the campaign's planned time is used. " +
                "The campaign must be ready to send (content, audience): what would refuse it at its time refuses it now. At its time, a node starts it once, as `/send` does.")
            .Produces<CampaignResponse>().Produces<SimpleResponse>(409);
        group.MapPost("/{id}/send", Send).RequireAuthorization(Policies.Send).Errors()
            .WithSummary("Start a draft or a scheduled campaign now")
            .WithDescription("Sends it through the pipeline of `POST /communication/bulk` (its audience, the marketing gate, quiet hours, caps) into one batch named after it, " +
                "whose id the campaign keeps (`batch_id`); it is `sending` until the batch is done, then `sent`. Of requests at once, one starts it and the others " +
                "are answered 409. A send the pipeline refuses (an empty audience, a content rule) answers its error and puts the campaign back to draft with it (`last_error`).")
            .Produces<CampaignResponse>().Produces<SimpleResponse>(409).Produces<SimpleResponse>(429);
        group.MapPost("/{id}/cancel", Cancel).RequireAuthorization(Policies.Send).Errors()
            .WithSummary("Cancel a draft or a scheduled campaign (409 once it has started: cancel its batch's pending messages instead)")
            .Produces<CampaignResponse>().Produces<SimpleResponse>(409);
        group.MapPost("/{id}/duplicate", Duplicate).RequireAuthorization(Policies.Send).Errors()
            .WithSummary("Copy any campaign into a new draft (without its schedule or results); answers the new draft's id")
            .Produces<CampaignIdResponse>(201);
        group.MapPost("/{id}/test", Test).RequireAuthorization(Policies.Send).Errors()
            .WithSummary("Send the campaign as it will go out to at most 10 test recipients")
            .WithDescription("The same rendering, decoration and provider as the real send, into a batch of its own marked as a test of this campaign, never counted " +
                "in its results. `recipients` (at most 10) left out or empty: the caller's own phone number (SMS) or email address, when the account has one.")
            .Produces<CampaignTestResponse>().Produces<SimpleResponse>(429);
        group.MapGet("/{id}/stats", Stats).Errors()
            .WithSummary("A campaign's delivery results: audience, pending, sent, delivered, failed, suppressed, cancelled, cost, unsubscribed, failures by reason, sends by hour")
            .WithDescription("From the messages of the campaign's batch (test sends excluded). `unsubscribed` counts its recipients who opted out by link or reply " +
                "after it started. All zero until the campaign has started.")
            .Produces<CampaignStatsResponse>();
    }

    private static RouteHandlerBuilder Errors(this RouteHandlerBuilder endpoint) =>
        endpoint.Produces<SimpleResponse>(400).Produces<SimpleResponse>(401).Produces<SimpleResponse>(403).Produces<SimpleResponse>(404);

    /// <summary>An id in the path: ASCII digits only, anything else answered as a campaign that does not exist.</summary>
    private static bool TryId(string raw, out long id, out AppError? missing)
    {
        missing = null;
        if (long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id > 0) return true;
        missing = AppError.NotFound($"id: no campaign with id {Phones.Echo(raw)}");
        return false;
    }

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?(Z|[+-][0-9]{2}:[0-9]{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoInstant();

    /// <summary>An instant as the API takes it: ISO 8601 with its zone (Z or an offset), ASCII digits only.</summary>
    internal static bool TryParseInstant(string? raw, out DateTimeOffset? at, out AppError? error)
    {
        at = null;
        error = null;
        if (string.IsNullOrWhiteSpace(raw)) return true;
        if (raw.Length > 40 || !IsoInstant().IsMatch(raw.Trim())
            || !DateTimeOffset.TryParse(raw.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            error = AppError.Validation($"scheduled_at: '{Phones.Echo(raw)}' is not a time in ISO 8601 with its zone (2026-12-24T09:00:00+08:00)");
            return false;
        }
        at = parsed;
        return true;
    }

    private static Result<CampaignInput> ToInput(CampaignRequest? body)
    {
        if (body is null) return AppError.Validation("body: a JSON object is required");
        if (!TryParseInstant(body.ScheduledAt, out var at, out var error)) return error!;
        return new CampaignInput
        {
            Name = body.Name, Channel = body.Channel, Content = body.Content, Subject = body.Subject, Format = body.Format, Template = body.Template, Variables = body.Variables,
            Purpose = body.Purpose, Recipients = body.Recipients, ListId = body.ListId, SegmentId = body.SegmentId, ScheduledAt = at,
        };
    }

    public static async Task<Results<Created<CampaignIdResponse>, SimpleError>> Create([FromBody] CampaignRequest body, [AsParameters] CampaignServices services, CancellationToken ct)
    {
        var input = ToInput(body);
        if (!input.IsOk) return services.Error(input.Error!);
        var result = await services.Campaigns.CreateAsync(input.Value!, services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var id = result.Value!.Id;
        return TypedResults.Created($"/communication/campaigns/{id}", new CampaignIdResponse(201, $"campaign {id} drafted", id, services.Now));
    }

    public static async Task<Results<Ok<CampaignPageResponse>, SimpleError>> List(
        [FromQuery(Name = "state")] string? state,
        [FromQuery(Name = "page"), WholeNumber] string? page,
        [FromQuery(Name = "page_size"), WholeNumber] string? pageSize,
        [AsParameters] CampaignServices services,
        CancellationToken ct)
    {
        if (!QueryNumbers.TryParsePositive(page, 1, out var pageNumber)) return services.Error(AppError.Validation($"page: '{Phones.Echo(page!)}' is not a whole number of 1 or more"));
        if (!QueryNumbers.TryParsePositive(pageSize, PageSizes.Default, out var size) || size > PageSizes.Max)
            return services.Error(AppError.Validation($"page_size: '{Phones.Echo(pageSize!)}' is not a whole number between 1 and {PageSizes.Max}"));
        CampaignState? filter = null;
        if (!string.IsNullOrWhiteSpace(state))
        {
            if (!CampaignStates.TryParse(state, out var s)) return services.Error(AppError.Validation($"state: '{Phones.Echo(state)}' is not one of {CampaignStates.Names}"));
            filter = s;
        }
        var result = await services.Campaigns.ListAsync(services.Caller, filter, pageNumber, size, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var p = result.Value!;
        return TypedResults.Ok(new CampaignPageResponse(200, "ok", p.Items.Select(CampaignResponse.From).ToList(), p.Total,
            new PageInfo(p.PageNumber, p.PageSize, p.Total, p.TotalPages, p.HasNext, p.HasPrev), services.Now));
    }

    public static async Task<Results<Ok<CampaignResponse>, SimpleError>> Get(string id, [AsParameters] CampaignServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        var result = await services.Campaigns.GetAsync(key, services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(CampaignResponse.From(result.Value!)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<CampaignResponse>, SimpleError>> Patch(string id, [FromBody] CampaignRequest body, [AsParameters] CampaignServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        var input = ToInput(body);
        if (!input.IsOk) return services.Error(input.Error!);
        var result = await services.Campaigns.PatchAsync(key, input.Value!, services.Caller, ct);
        return await AnswerAsync(result, services, ct);
    }

    /// <summary>A changed campaign, answered as GET answers it.</summary>
    private static async Task<Results<Ok<CampaignResponse>, SimpleError>> AnswerAsync(Result<Campaign> result, CampaignServices services, CancellationToken ct)
    {
        if (!result.IsOk) return services.Error(result.Error!);
        var view = await services.Campaigns.GetAsync(result.Value!.Id, services.Caller, ct);
        return view.IsOk ? TypedResults.Ok(CampaignResponse.From(view.Value!)) : services.Error(view.Error!);
    }

    public static async Task<Results<Ok<CampaignResponse>, SimpleError>> Schedule(string id, [FromBody] ScheduleRequest? body, [AsParameters] CampaignServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        if (!TryParseInstant(body?.ScheduledAt, out var at, out var error)) return services.Error(error!);
        return await AnswerAsync(await services.Campaigns.ScheduleAsync(key, at, services.Caller, ct), services, ct);
    }

    public static async Task<Results<Ok<CampaignResponse>, SimpleError>> Send(string id, [AsParameters] CampaignServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        var result = await services.Campaigns.SendNowAsync(key, services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(CampaignResponse.From(result.Value!)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<CampaignResponse>, SimpleError>> Cancel(string id, [AsParameters] CampaignServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        return await AnswerAsync(await services.Campaigns.CancelAsync(key, services.Caller, ct), services, ct);
    }

    public static async Task<Results<Created<CampaignIdResponse>, SimpleError>> Duplicate(string id, [AsParameters] CampaignServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        var result = await services.Campaigns.DuplicateAsync(key, services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var copy = result.Value!.Id;
        return TypedResults.Created($"/communication/campaigns/{copy}", new CampaignIdResponse(201, $"campaign {copy} drafted from campaign {key}", copy, services.Now));
    }

    public static async Task<Results<Ok<CampaignTestResponse>, SimpleError>> Test(string id, [FromBody] CampaignTestRequest? body, [AsParameters] CampaignServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        var result = await services.Campaigns.TestSendAsync(key, body?.Recipients, services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var receipt = result.Value!;
        return TypedResults.Ok(new CampaignTestResponse(200, $"test sent to {receipt.Messages.Count} recipient{(receipt.Messages.Count == 1 ? "" : "s")}", receipt.Batch.Id,
            receipt.Messages.Select(CommunicationLogResponse.From).ToList(), services.Now));
    }

    public static async Task<Results<Ok<CampaignStatsResponse>, SimpleError>> Stats(string id, [AsParameters] CampaignServices services, CancellationToken ct)
    {
        if (!TryId(id, out var key, out var missing)) return services.Error(missing!);
        var campaign = await services.Campaigns.GetAsync(key, services.Caller, ct);
        if (!campaign.IsOk) return services.Error(campaign.Error!);
        var result = await services.Campaigns.StatsAsync(key, services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var s = result.Value!;
        var c = campaign.Value!.Campaign;
        return TypedResults.Ok(new CampaignStatsResponse(200, "ok", c.Id, c.State.ToWire(), c.BatchId, s.Audience, s.Pending, s.Sent, s.Delivered, s.Failed,
            s.Suppressed, s.Cancelled, s.Cost.ToString("0.00##", CultureInfo.InvariantCulture), s.Unsubscribed,
            s.Failures.Select(f => new CampaignFailureResponse(f.Reason, f.Count)).ToList(),
            s.SendsByHour.Select(h => new CampaignHourResponse(ApiEnvelope.Timestamp(h.Hour), h.Count)).ToList(),
            EngagementCountResponse.From(s.Opened), EngagementCountResponse.From(s.Clicked), s.Bounced, s.BouncedHard, s.BouncedSoft, services.Now));
    }
}
