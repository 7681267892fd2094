using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using CommsConsole.Data;
using CommsConsole.Features.Api;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CommsConsole.Features.Audiences;

/// <summary>dto.ContactRequest: a contact as written (upsert and update).</summary>
[DocumentName("dto.ContactRequest")]
public sealed class ContactRequest
{
    [JsonPropertyName("phone")] public string? Phone { get; set; }
    [JsonPropertyName("email")] public string? Email { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    /// <summary>A flat JSON object of strings, numbers, booleans and dates (ISO 8601 strings); on an upsert a null value removes the key.</summary>
    [JsonPropertyName("attributes")] public JsonElement? Attributes { get; set; }
    [JsonPropertyName("tags")] public List<string?>? Tags { get; set; }

    internal ContactInput ToInput() => new(Phone, Email, Name, Attributes, Tags);
}

/// <summary>dto.ContactBatchItem: one element of an array upsert: its contact's id and whether it was created, or why not.</summary>
[DocumentName("dto.ContactBatchItem")]
public sealed record ContactBatchItem(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("id")] long? Id,
    [property: JsonPropertyName("created")] bool? Created,
    [property: JsonPropertyName("error")] string? Error);

/// <summary>dto.ContactBatchResponse: the answer to an array upsert, an item per element in order.</summary>
[DocumentName("dto.ContactBatchResponse")]
public sealed record ContactBatchResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("items")] IReadOnlyList<ContactBatchItem> Items,
    [property: JsonPropertyName("created")] int Created,
    [property: JsonPropertyName("updated")] int Updated,
    [property: JsonPropertyName("failed")] int Failed,
    [property: JsonPropertyName("timestamp")] string Timestamp);

/// <summary>dto.ConsentResponse: whether the contact may receive marketing on a channel, since when and how.</summary>
[DocumentName("dto.ConsentResponse")]
public sealed record ConsentResponse(
    [property: JsonPropertyName("subscribed")] bool Subscribed,
    [property: JsonPropertyName("since")] string? Since,
    [property: JsonPropertyName("how")] string? How)
{
    public static ConsentResponse? From(ContactConsent? c) =>
        c is null ? null : new(c.Subscribed, c.Since is { } s ? ApiEnvelope.Timestamp(s) : null, c.Method is { } m ? AudienceWire.ToWire(m) : null);
}

/// <summary>dto.ContactConsents: consent per channel; null for a channel the contact has no address for.</summary>
[DocumentName("dto.ContactConsents")]
public sealed record ContactConsents(
    [property: JsonPropertyName("sms")] ConsentResponse? Sms,
    [property: JsonPropertyName("email")] ConsentResponse? Email);

/// <summary>dto.ContactResponse.</summary>
[DocumentName("dto.ContactResponse")]
public sealed record ContactResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("phone")] string? Phone,
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("attributes")] JsonElement Attributes,
    [property: JsonPropertyName("tags")] IReadOnlyList<string> Tags,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("consent")] ContactConsents Consent,
    [property: JsonPropertyName("tenant_id")] string TenantId,
    [property: JsonPropertyName("created_at")] string CreatedAt,
    [property: JsonPropertyName("updated_at")] string UpdatedAt)
{
    public static ContactResponse From(ContactView v)
    {
        var c = v.Contact;
        using var attributes = JsonDocument.Parse(c.Attributes);
        return new(c.Id, c.Phone, c.Email, c.Name, attributes.RootElement.Clone(), v.Tags, AudienceWire.ToWire(c.Source),
            new ContactConsents(ConsentResponse.From(v.Sms), ConsentResponse.From(v.Email)), c.TenantId,
            ApiEnvelope.Timestamp(c.CreatedAt), ApiEnvelope.Timestamp(c.UpdatedAt));
    }
}

/// <summary>dto.ContactListResponse: a page of contacts.</summary>
[DocumentName("dto.ContactPageResponse")]
public sealed record ContactPageResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("items")] IReadOnlyList<ContactResponse> Items,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("pagination")] PageInfo Pagination,
    [property: JsonPropertyName("timestamp")] string Timestamp);

/// <summary>dto.ConsentRequest.</summary>
[DocumentName("dto.ConsentRequest")]
public sealed class ConsentRequest
{
    /// <summary>sms or email.</summary>
    [JsonPropertyName("channel")] public string? Channel { get; set; }
    [JsonPropertyName("subscribed")] public bool? Subscribed { get; set; }
    /// <summary>import, api (the default), form, double_opt_in, reply_keyword, unsubscribe_link, admin or bounce.</summary>
    [JsonPropertyName("how")] public string? How { get; set; }
    [JsonPropertyName("note")] public string? Note { get; set; }
}

/// <summary>dto.ConsentEventResponse: one change in a contact's consent history.</summary>
[DocumentName("dto.ConsentEventResponse")]
public sealed record ConsentEventResponse(
    [property: JsonPropertyName("channel")] string Channel,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("subscribed")] bool Subscribed,
    [property: JsonPropertyName("how")] string How,
    [property: JsonPropertyName("note")] string? Note,
    [property: JsonPropertyName("at")] string At,
    [property: JsonPropertyName("by")] string By)
{
    public static ConsentEventResponse From(ConsentEvent e) =>
        new(e.Channel.ToWire(), e.Address, e.Subscribed, AudienceWire.ToWire(e.Method), e.Note, ApiEnvelope.Timestamp(e.At), e.By);
}

/// <summary>dto.ConsentHistoryResponse.</summary>
[DocumentName("dto.ConsentHistoryResponse")]
public sealed record ConsentHistoryResponse(
    [property: JsonPropertyName("items")] IReadOnlyList<ConsentEventResponse> Items,
    [property: JsonPropertyName("total")] int Total);

/// <summary>dto.ListRequest.</summary>
[DocumentName("dto.ListRequest")]
public sealed record ListRequest([property: JsonPropertyName("name")] string? Name);

/// <summary>dto.ListResponse.</summary>
[DocumentName("dto.ListResponse")]
public sealed record ListResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("members")] int Members,
    [property: JsonPropertyName("tenant_id")] string TenantId,
    [property: JsonPropertyName("created_at")] string CreatedAt,
    [property: JsonPropertyName("updated_at")] string UpdatedAt)
{
    public static ListResponse From(ContactListView v) =>
        new(v.List.Id, v.List.Name, v.Members, v.List.TenantId, ApiEnvelope.Timestamp(v.List.CreatedAt), ApiEnvelope.Timestamp(v.List.UpdatedAt));
}

/// <summary>dto.ListListResponse.</summary>
[DocumentName("dto.ListListResponse")]
public sealed record ListListResponse(
    [property: JsonPropertyName("items")] IReadOnlyList<ListResponse> Items,
    [property: JsonPropertyName("total")] int Total);

/// <summary>dto.ListContactsRequest: the contacts to add, by id, phone or email (any of the three; at most 1,000 in all).</summary>
[DocumentName("dto.ListContactsRequest")]
public sealed record ListContactsRequest(
    [property: JsonPropertyName("contact_ids")] List<long>? ContactIds,
    [property: JsonPropertyName("phones")] List<string?>? Phones = null,
    [property: JsonPropertyName("emails")] List<string?>? Emails = null);

/// <summary>dto.MembersResponse: how many memberships the request changed, how many the list now has, and the phones or emails given that matched no contact.</summary>
[DocumentName("dto.MembersResponse")]
public sealed record MembersResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("changed")] int Changed,
    [property: JsonPropertyName("members")] int Members,
    [property: JsonPropertyName("unknown")] IReadOnlyList<string> Unknown,
    [property: JsonPropertyName("timestamp")] string Timestamp);

/// <summary>dto.ErasureResponse: what erasing a contact did.</summary>
[DocumentName("dto.ErasureResponse")]
public sealed record ErasureResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("messages_anonymised")] int MessagesAnonymised,
    [property: JsonPropertyName("pending_cancelled")] int PendingCancelled,
    [property: JsonPropertyName("consent_events_anonymised")] int ConsentEventsAnonymised,
    [property: JsonPropertyName("opt_outs_kept")] int OptOutsKept,
    [property: JsonPropertyName("timestamp")] string Timestamp);

/// <summary>What the audience handlers are given: the caller and the services they answer with.</summary>
public sealed record AudienceServices(ContactService Contacts, ContactListService Lists, ContactPrivacyService Privacy, ContactCsvExport Csv,
    TimeProvider Clock, ClaimsPrincipal User)
    : CallerServices(User)
{
    public SimpleError Error(AppError error) => ApiEnvelope.Simple(error, Clock);
    public string Now => ApiEnvelope.Timestamp(Clock.GetUtcNow());
}

/// <summary>Contacts, their consent and static lists, in the /communication family's style (snake_case, its error envelope).</summary>
public static class AudiencesApi
{
    public static void MapAudiencesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/communication").WithTags("audiences").RequireAuthorization(Policies.Read);
        group.MapGet("/contacts", ListContacts).Errors().WithSummary("Page through the tenant's contacts (search q over name, phone and email; tag; list_id; segment_id)");
        group.MapPost("/contacts", UpsertContact).Errors().WithSummary("Add a contact (or an array of up to 1,000), or update the one with the same phone or email")
            .Accepts<ContactRequest>("application/json")
            .WithDescription("The phone number and email address are normalised first (`+86 138-0013-8000`, `13800138000` and full-width digits are one number), and " +
                "a contact with either is updated rather than duplicated: fields left out are kept, `attributes` are merged key by key (null removes a key) and `tags` are added. " +
                "201 when created, 200 when updated; 409 when the phone and the email belong to two different contacts. The body may also be a JSON array of such " +
                "objects (at most 1,000): each is upserted in order on its own and the answer is 200 with one item per element (`index`, `id`, `created`, or " +
                "`error`) and the counts; a bad element never stops the others. Marketers, Admins and Integrators.")
            .Produces<ContactBatchResponse>(200)
            .Produces<SimpleResponse>(409);
        group.MapGet("/contacts/export", ExportContacts).Errors().WithSummary("The contacts of a list, a segment, a tag or a search as CSV (attributes as columns)")
            .WithDescription("The same filters as `GET /communication/contacts` (`list_id`, `segment_id`, `tag`, `q`), every matching contact, streamed as `text/csv`: " +
                "the fixed columns, then one column per attribute key. A cell a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) " +
                "is written with a leading apostrophe. Recorded in the audit trail.")
            .Produces(200, contentType: "text/csv");
        group.MapGet("/contacts/{id}", GetContact).Errors().WithSummary("A contact with its tags and consent per channel");
        group.MapPut("/contacts/{id}", UpdateContact).Errors().WithSummary("Replace a contact (fields left out are cleared)").Produces<SimpleResponse>(409);
        group.MapPatch("/contacts/{id}", PatchContact).Errors().WithSummary("Change some fields of a contact (fields left out are kept)")
            .WithDescription("An empty `phone`, `email` or `name` clears it (a phone or an email must remain); `attributes` are merged key by key " +
                "(a null value removes the key); `tags`, when given, replace the tags. Validated as `PUT` is. Marketers and Admins.")
            .Produces<SimpleResponse>(409);
        group.MapDelete("/contacts/{id}", EraseContact).Errors().WithSummary("Erase a contact and anonymise the messages sent to it")
            .WithDescription("The right to erasure: the contact, its tags and list memberships are deleted; every message to its phone or email keeps " +
                "its status, times, segments and cost (so batch counts and reports add up) while its recipient, subject and content become `erased`; " +
                "messages still pending are cancelled first and never sent; its consent history is anonymised. An opt-out in force is kept, " +
                "address included, so that the person is not contacted again. Recorded in the audit trail (who, when; never the erased data). " +
                "Marketers and Admins.")
            .Produces<ErasureResponse>(200);
        group.MapGet("/contacts/{id}/export", ExportContact).Errors().WithSummary("Everything kept on a contact, as one JSON document")
            .WithDescription("The right of access: the contact, its lists, the consent history of its addresses and every message sent to them " +
                "(that the caller may read), oldest first, streamed. Recorded in the audit trail.")
            .Produces(200, contentType: "application/json");
        group.MapPost("/contacts/{id}/consent", SetConsent).Errors().WithSummary("Subscribe or unsubscribe a contact on a channel")
            .WithDescription("Unsubscribing adds the contact's address to the tenant's opt-out list and subscribing lifts it (an Admin's decision when the person opted out): " +
                "the opt-out list is the one record of consent, and every change is appended to the consent history.");
        group.MapGet("/contacts/{id}/consent", ConsentHistory).Errors().WithSummary("The consent history of a contact's addresses, newest first");
        group.MapGet("/lists", ListLists).Errors().WithSummary("The tenant's lists with their member counts");
        group.MapPost("/lists", CreateList).Errors().WithSummary("Create a list").Produces<SimpleResponse>(409);
        group.MapGet("/lists/{id}", GetList).Errors().WithSummary("A list with its member count (its members: GET /communication/contacts?list_id=)");
        group.MapPut("/lists/{id}", RenameList).Errors().WithSummary("Rename a list").Produces<SimpleResponse>(409);
        group.MapDelete("/lists/{id}", DeleteList).Errors().WithSummary("Delete a list (its contacts stay)");
        group.MapPost("/lists/{id}/contacts", AddListContacts).Errors().WithSummary("Add contacts to a list by id, phone or email (already members are kept once)")
            .WithDescription("`contact_ids`, `phones` and/or `emails`, at most 1,000 in all. Phones and emails are normalised and matched to the tenant's " +
                "contacts; those matching none are answered in `unknown` and the others added. An id that names no contact adds nothing (404).");
        group.MapDelete("/lists/{id}/contacts/{contact_id}", RemoveListContact).Errors().WithSummary("Take a contact out of a list (the contact stays)");
    }

    private static RouteHandlerBuilder Errors(this RouteHandlerBuilder endpoint) =>
        endpoint.Produces<SimpleResponse>(400).Produces<SimpleResponse>(401).Produces<SimpleResponse>(403).Produces<SimpleResponse>(404);

    public static async Task<Results<Ok<ContactPageResponse>, SimpleError>> ListContacts(
        [FromQuery(Name = "q")] string? q,
        [FromQuery(Name = "tag")] string? tag,
        [FromQuery(Name = "list_id"), WholeNumber(Id = true)] string? listId,
        [FromQuery(Name = "segment_id"), WholeNumber(Id = true)] string? segmentId,
        [FromQuery(Name = "page"), WholeNumber] string? page,
        [FromQuery(Name = "page_size"), WholeNumber] string? pageSize,
        [AsParameters] AudienceServices services,
        CancellationToken ct)
    {
        if (!QueryNumbers.TryParsePositive(page, 1, out var pageNumber)) return services.Error(AppError.Validation($"page: '{page}' is not a whole number of 1 or more"));
        if (!QueryNumbers.TryParsePositive(pageSize, PageSizes.Default, out var size) || size > PageSizes.Max)
            return services.Error(AppError.Validation($"page_size: '{pageSize}' is not a whole number between 1 and {PageSizes.Max}"));
        if (!QueryNumbers.TryParseId(listId, out var list)) return services.Error(AppError.Validation($"list_id: '{listId}' is not a list id"));
        if (!QueryNumbers.TryParseId(segmentId, out var segment)) return services.Error(AppError.Validation($"segment_id: '{Phones.Echo(segmentId!)}' is not a segment id"));
        var result = await services.Contacts.ListAsync(new ContactFilter(q, tag, list, pageNumber, size, segment), services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var p = result.Value!;
        return TypedResults.Ok(new ContactPageResponse(200, "ok", p.Items.Select(ContactResponse.From).ToList(), p.Total,
            new PageInfo(p.PageNumber, p.PageSize, p.Total, p.TotalPages, p.HasNext, p.HasPrev), services.Now));
    }

    /// <summary>Most contacts one upsert request may carry (more: the CSV import).</summary>
    public const int MaxUpsertBatch = 1_000;

    public static async Task<Results<Created<ContactResponse>, Ok<ContactResponse>, Ok<ContactBatchResponse>, SimpleError>> UpsertContact(
        [FromBody] JsonElement body, [AsParameters] AudienceServices services, CancellationToken ct)
    {
        if (body.ValueKind == JsonValueKind.Array) return await UpsertContactsAsync(body, services, ct);
        if (body.ValueKind != JsonValueKind.Object) return services.Error(AppError.Validation("body: a JSON object or an array of them is required"));
        var request = ReadContact(body, null);
        if (!request.IsOk) return services.Error(request.Error!);
        var result = await services.Contacts.UpsertAsync(request.Value!.ToInput(), ContactSource.Api, services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var (contact, created) = result.Value;
        var response = ContactResponse.From(contact);
        return created ? TypedResults.Created($"/communication/contacts/{response.Id}", response) : TypedResults.Ok(response);
    }

    /// <summary>
    /// An array of contacts, each upserted as one would be on its own, in order: a bad one is answered in its item and
    /// never stops the others (a later item naming the same person updates the contact an earlier one created).
    /// </summary>
    private static async Task<Results<Created<ContactResponse>, Ok<ContactResponse>, Ok<ContactBatchResponse>, SimpleError>> UpsertContactsAsync(
        JsonElement body, AudienceServices services, CancellationToken ct)
    {
        var count = body.GetArrayLength();
        if (count == 0) return services.Error(AppError.Validation("body: the array holds no contact"));
        if (count > MaxUpsertBatch) return services.Error(AppError.Validation($"body: at most {MaxUpsertBatch} contacts a request; import more as CSV"));
        if (ContactService.RefusedUpsert(services.Caller) is { } refused) return services.Error(refused);
        var items = new List<ContactBatchItem>(count);
        var index = 0;
        foreach (var element in body.EnumerateArray())
        {
            var request = element.ValueKind == JsonValueKind.Object ? ReadContact(element, $"body[{index}]") : AppError.Validation($"{$"body[{index}]"}: a JSON object is required");
            if (!request.IsOk)
            {
                items.Add(new ContactBatchItem(index++, null, null, request.Error!.Message));
                continue;
            }
            var result = await services.Contacts.UpsertAsync(request.Value!.ToInput(), ContactSource.Api, services.Caller, ct);
            items.Add(result.IsOk
                ? new ContactBatchItem(index, result.Value.Contact.Contact.Id, result.Value.Created, null)
                : new ContactBatchItem(index, null, null, result.Error!.Message));
            index++;
        }
        return TypedResults.Ok(new ContactBatchResponse(200, "ok", items, items.Count(i => i.Created == true), items.Count(i => i.Created == false),
            items.Count(i => i.Error is not null), services.Now));
    }

    /// <summary>
    /// One contact of a request body, or why it cannot be one, worded as the binder words a body it cannot read (the
    /// field's path, then what is wrong); <paramref name="element"/> sits at <paramref name="path"/> of an array, or is the body.
    /// </summary>
    private static Result<ContactRequest> ReadContact(JsonElement element, string? path)
    {
        try
        {
            return element.Deserialize<ContactRequest>(ReadOptions)!;
        }
        catch (JsonException json)
        {
            var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? null : json.Path.TrimStart('$', '.');
            var at = (path, field) switch
            {
                (null, null) => "body",
                (null, _) => field,
                (_, null) => path,
                _ => path + "." + field,
            };
            return AppError.Validation($"{at} has the wrong type");
        }
    }

    private static readonly JsonSerializerOptions ReadOptions = new(JsonSerializerDefaults.Web);

    public static async Task<Results<Ok<ContactResponse>, SimpleError>> GetContact(string id, [AsParameters] AudienceServices services, CancellationToken ct)
    {
        if (!AudienceIds.TryParse(id, "contact", out var key, out var missing)) return services.Error(missing!);
        var result = await services.Contacts.GetAsync(key, services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(ContactResponse.From(result.Value!)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<ContactResponse>, SimpleError>> UpdateContact(
        string id, [FromBody] ContactRequest body, [AsParameters] AudienceServices services, CancellationToken ct)
    {
        if (!AudienceIds.TryParse(id, "contact", out var key, out var missing)) return services.Error(missing!);
        if (body is null) return services.Error(AppError.Validation("body: a JSON object is required"));
        var result = await services.Contacts.UpdateAsync(key, body.ToInput(), services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(ContactResponse.From(result.Value!)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<ContactResponse>, SimpleError>> PatchContact(
        string id, [FromBody] ContactRequest body, [AsParameters] AudienceServices services, CancellationToken ct)
    {
        if (!AudienceIds.TryParse(id, "contact", out var key, out var missing)) return services.Error(missing!);
        if (body is null) return services.Error(AppError.Validation("body: a JSON object is required"));
        var result = await services.Contacts.PatchAsync(key, body.ToInput(), services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(ContactResponse.From(result.Value!)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<ErasureResponse>, SimpleError>> EraseContact(string id, [AsParameters] AudienceServices services, CancellationToken ct)
    {
        if (!AudienceIds.TryParse(id, "contact", out var key, out var missing)) return services.Error(missing!);
        var result = await services.Privacy.EraseAsync(key, services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var r = result.Value!;
        return TypedResults.Ok(new ErasureResponse(200, $"contact {key} erased", r.MessagesAnonymised, r.PendingCancelled, r.ConsentEventsAnonymised, r.OptOutsKept, services.Now));
    }

    public static async Task<Results<PushStreamHttpResult, SimpleError>> ExportContact(string id, [AsParameters] AudienceServices services, CancellationToken ct)
    {
        if (!AudienceIds.TryParse(id, "contact", out var key, out var missing)) return services.Error(missing!);
        var result = await services.Privacy.BeginExportAsync(key, services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var export = result.Value!;
        return TypedResults.Stream(stream => export.WriteAsync(stream, ct), "application/json; charset=utf-8", export.FileName);
    }

    public static async Task<Results<PushStreamHttpResult, SimpleError>> ExportContacts(
        [FromQuery(Name = "q")] string? q,
        [FromQuery(Name = "tag")] string? tag,
        [FromQuery(Name = "list_id"), WholeNumber(Id = true)] string? listId,
        [FromQuery(Name = "segment_id"), WholeNumber(Id = true)] string? segmentId,
        [AsParameters] AudienceServices services,
        CancellationToken ct)
    {
        if (!QueryNumbers.TryParseId(listId, out var list)) return services.Error(AppError.Validation($"list_id: '{Phones.Echo(listId!)}' is not a list id"));
        if (!QueryNumbers.TryParseId(segmentId, out var segment)) return services.Error(AppError.Validation($"segment_id: '{Phones.Echo(segmentId!)}' is not a segment id"));
        var result = await services.Csv.BeginAsync(new ContactFilter(q, tag, list, SegmentId: segment), services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var write = result.Value!;
        return TypedResults.Stream(stream => write(stream, ct), "text/csv; charset=utf-8", $"contacts-{services.Clock.GetUtcNow().UtcDateTime:yyyyMMdd-HHmmss}.csv");
    }

    public static async Task<Results<Ok<ContactResponse>, SimpleError>> SetConsent(
        string id, [FromBody] ConsentRequest body, [AsParameters] AudienceServices services, CancellationToken ct)
    {
        if (!AudienceIds.TryParse(id, "contact", out var key, out var missing)) return services.Error(missing!);
        if (body is null) return services.Error(AppError.Validation("body: a JSON object is required"));
        if (string.IsNullOrWhiteSpace(body.Channel)) return services.Error(AppError.Validation("channel: required (sms or email)"));
        if (!Wire.TryParseChannel(body.Channel, out var channel)) return services.Error(AppError.Validation($"channel: '{body.Channel}' is not one of sms, email"));
        if (body.Subscribed is not { } subscribed) return services.Error(AppError.Validation("subscribed: required (true or false)"));
        var method = ConsentMethod.Api;
        if (body.How is not null && !AudienceWire.TryParseMethod(body.How, out method))
            return services.Error(AppError.Validation($"how: '{Phones.Echo(body.How)}' is not one of {AudienceWire.MethodNames}"));
        var result = await services.Contacts.SetConsentAsync(key, channel, subscribed, method, body.Note, services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(ContactResponse.From(result.Value!)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<ConsentHistoryResponse>, SimpleError>> ConsentHistory(string id, [AsParameters] AudienceServices services, CancellationToken ct)
    {
        if (!AudienceIds.TryParse(id, "contact", out var key, out var missing)) return services.Error(missing!);
        var result = await services.Contacts.HistoryAsync(key, services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        return TypedResults.Ok(new ConsentHistoryResponse(result.Value!.Select(ConsentEventResponse.From).ToList(), result.Value!.Count));
    }

    public static async Task<Results<Ok<ListListResponse>, SimpleError>> ListLists([AsParameters] AudienceServices services, CancellationToken ct)
    {
        var result = await services.Lists.ListAsync(services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        return TypedResults.Ok(new ListListResponse(result.Value!.Select(ListResponse.From).ToList(), result.Value!.Count));
    }

    public static async Task<Results<Created<ListResponse>, SimpleError>> CreateList([FromBody] ListRequest body, [AsParameters] AudienceServices services, CancellationToken ct)
    {
        var result = await services.Lists.CreateAsync(body?.Name, services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var response = ListResponse.From(result.Value!);
        return TypedResults.Created($"/communication/lists/{response.Id}", response);
    }

    public static async Task<Results<Ok<ListResponse>, SimpleError>> GetList(string id, [AsParameters] AudienceServices services, CancellationToken ct)
    {
        if (!AudienceIds.TryParse(id, "list", out var key, out var missing)) return services.Error(missing!);
        var result = await services.Lists.GetAsync(key, services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(ListResponse.From(result.Value!)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<ListResponse>, SimpleError>> RenameList(string id, [FromBody] ListRequest body, [AsParameters] AudienceServices services, CancellationToken ct)
    {
        if (!AudienceIds.TryParse(id, "list", out var key, out var missing)) return services.Error(missing!);
        var result = await services.Lists.RenameAsync(key, body?.Name, services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(ListResponse.From(result.Value!)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<SimpleResponse>, SimpleError>> DeleteList(string id, [AsParameters] AudienceServices services, CancellationToken ct)
    {
        if (!AudienceIds.TryParse(id, "list", out var key, out var missing)) return services.Error(missing!);
        var result = await services.Lists.DeleteAsync(key, services.Caller, ct);
        return result.IsOk ? TypedResults.Ok(new SimpleResponse(200, $"list {id} deleted", services.Now)) : services.Error(result.Error!);
    }

    public static async Task<Results<Ok<MembersResponse>, SimpleError>> AddListContacts(
        string id, [FromBody] ListContactsRequest body, [AsParameters] AudienceServices services, CancellationToken ct)
    {
        if (!AudienceIds.TryParse(id, "list", out var key, out var missing)) return services.Error(missing!);
        if (body is null) return services.Error(AppError.Validation("body: a JSON object is required"));
        var result = await services.Lists.AddMembersAsync(key, new MemberSelection(body.ContactIds, body.Phones, body.Emails), services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var list = await services.Lists.GetAsync(key, services.Caller, ct);
        if (!list.IsOk) return services.Error(list.Error!);
        var added = result.Value!;
        return TypedResults.Ok(new MembersResponse(200, $"{added.Added} contacts added", added.Added, list.Value!.Members, added.Unknown, services.Now));
    }

    public static async Task<Results<Ok<MembersResponse>, SimpleError>> RemoveListContact(
        string id, [FromRoute(Name = "contact_id")] string contactId, [AsParameters] AudienceServices services, CancellationToken ct)
    {
        if (!AudienceIds.TryParse(id, "list", out var key, out var missing)) return services.Error(missing!);
        if (!AudienceIds.TryParse(contactId, "contact", out var contact, out missing)) return services.Error(missing!);
        var result = await services.Lists.RemoveMemberAsync(key, contact, services.Caller, ct);
        if (!result.IsOk) return services.Error(result.Error!);
        var list = await services.Lists.GetAsync(key, services.Caller, ct);
        if (!list.IsOk) return services.Error(list.Error!);
        return TypedResults.Ok(new MembersResponse(200, "1 contact removed", 1, list.Value!.Members, [], services.Now));
    }
}
