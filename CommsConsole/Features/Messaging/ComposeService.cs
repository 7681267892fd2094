using CommsConsole.Features.Templates;
using CommsConsole.Features.Tenancy;

namespace CommsConsole.Features.Messaging;

/// <summary>What the compose page has so far.</summary>
public sealed record ComposeDraft
{
    public Channel Channel { get; init; } = Channel.Sms;
    public string? TemplateCode { get; init; }
    public string? Content { get; init; }
    public string? Subject { get; init; }
    /// <summary>An email's format when written here (a stored template keeps its own); null: HTML if it has tags, else plain text.</summary>
    public EmailBodyFormat? Format { get; init; }
    /// <summary>Values for every recipient (a campaign's variables, the template editor's samples); a CSV's columns override them.</summary>
    public IReadOnlyDictionary<string, string>? Variables { get; init; }
    public RecipientList Recipients { get; init; } = RecipientList.Empty;
    /// <summary>Marketing unless the sender says the message is transactional.</summary>
    public Purpose Purpose { get; init; } = Purpose.Marketing;
    /// <summary>Send at this time instead of now.</summary>
    public DateTimeOffset? ScheduleAt { get; init; }
    /// <summary>The campaign's name.</summary>
    public string? Name { get; init; }
    /// <summary>The sender chose to send to the valid recipients and leave out the lines that are not.</summary>
    public bool SkipInvalid { get; init; }
    /// <summary>Send to this contact list or segment instead of <see cref="Recipients"/>.</summary>
    public AudienceRef? Audience { get; init; }
    /// <summary>For a list or segment: preview for this member of it rather than the first few.</summary>
    public long? PreviewContactId { get; init; }
}

/// <summary>One recipient's message as the send will store it (and, for marketing email, as dispatch will add its unsubscribe link).</summary>
public sealed record PreviewItem(string Recipient, string? Subject, string Content, SmsMeasure? Measure)
{
    /// <summary>An HTML email: the console shows it rendered, in a sandbox.</summary>
    public bool IsHtml { get; init; }
}

public sealed record ComposePreview(
    IReadOnlyList<PreviewItem> Items,
    TemplateError? SyntaxError,
    ErrorText? Error,
    int MessageCount,
    int TotalSegments,
    decimal EstimatedCost,
    IReadOnlyList<string> Variables)
{
    /// <summary>A draft to a list: its members by what the send would do with them.</summary>
    public AudienceCounts? Audience { get; init; }
}

/// <summary>The compose page's rules: its preview is the send's own plan (<see cref="SendPlanner"/>), written nowhere.</summary>
public sealed class ComposeService(MessagingService messaging, SendPlanner planner, Compliance.MarketingGate gate)
{
    public const int PreviewCount = 3;

    /// <summary>
    /// A date and time on the tenant's clock as an instant. A time that does not exist there (skipped when the clocks go
    /// forward) is taken as the same time after the change.
    /// </summary>
    public static DateTimeOffset ScheduleInstant(DateTime date, TimeSpan time, TimeZoneInfo zone)
    {
        var local = DateTime.SpecifyKind(date.Date + time, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(30);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>
    /// The draft as the send would plan it: the same errors, the same rendered and decorated text, the same segments. Up to
    /// <see cref="PreviewCount"/> recipients are shown, with the unsubscribe link dispatch will add to a marketing email.
    /// </summary>
    public async Task<ComposePreview> PreviewAsync(ComposeDraft draft, Caller caller, CancellationToken ct)
    {
        if (draft.Audience is not null) return await PreviewAudienceAsync(draft, caller, ct);
        var planned = await planner.PlanDraftAsync(ToRequest(draft), caller.TenantId, ct);
        if (planned.Error is { } error)
        {
            // A syntax error in the content is also shown at the content field, with its position.
            return new ComposePreview([], error.Text.Field == "content" ? SendPlanner.SyntaxErrorOf(error) : null, error.Text, 0, 0, 0m, []);
        }
        if (planned.Value is not { } plan) return new ComposePreview([], null, null, 0, 0, 0m, []);

        var items = plan.Rows.Take(PreviewCount).Select(row => new PreviewItem(
            row.Recipient is { Length: > 0 } shown ? shown : "(sample)",
            row.Subject,
            gate.DecorateForPreview(plan.Channel, plan.Purpose, row.Content, plan.IsHtml),
            plan.Channel == Channel.Sms ? SmsText.Measure(row.Content) : null) { IsHtml = plan.IsHtml }).ToList();
        var count = draft.Recipients.Valid.Count;
        var segments = count == 0 ? 0 : plan.Segments;
        var cost = count == 0 ? 0m : await planner.EstimateCostAsync(plan, caller.TenantId, ct);
        return new ComposePreview(items, null, plan.Unready?.Text, count, segments, cost, plan.Variables);
    }

    /// <summary>
    /// A draft to a list or a segment: its members counted as the send would count them (will receive, no address, unsubscribed,
    /// invalid), and the message rendered for real members who would receive it, with the send's own rules.
    /// </summary>
    private async Task<ComposePreview> PreviewAudienceAsync(ComposeDraft draft, Caller caller, CancellationToken ct)
    {
        var request = ToRequest(draft);
        var survey = await messaging.SurveyAudienceAsync(request.Audience!, draft.Channel, draft.Purpose, caller, PreviewCount, ct, draft.PreviewContactId);
        if (!survey.IsOk) return new ComposePreview([], null, survey.Error!.Text, 0, 0, 0m, []);
        var counts = survey.Value!.Counts;
        if (string.IsNullOrWhiteSpace(draft.Content) && string.IsNullOrWhiteSpace(draft.TemplateCode))
            return new ComposePreview([], null, null, 0, 0, 0m, []) { Audience = counts };
        var planned = await planner.PlanAudienceAsync(request, caller.TenantId, ct);
        if (!planned.IsOk)
        {
            var error = planned.Error!;
            return new ComposePreview([], error.Text.Field == "content" ? SendPlanner.SyntaxErrorOf(error) : null, error.Text, 0, 0, 0m, []) { Audience = counts };
        }
        var plan = planned.Value!;
        var items = new List<PreviewItem>();
        var rows = new List<MessageLedger.NewMessage>();
        var checkedTexts = new Dictionary<string, int>();
        foreach (var member in survey.Value.Samples)
        {
            var row = planner.RenderForContact(plan, member, checkedTexts);
            if (!row.IsOk) return new ComposePreview(items, null, row.Error!.Text, 0, 0, 0m, []) { Audience = counts };
            rows.Add(row.Value!);
            var content = plan.Content;
            items.Add(new PreviewItem(member.Name is { Length: > 0 } name ? $"{name} · {member.Address}" : member.Address, row.Value!.Subject,
                gate.DecorateForPreview(content.Channel, content.Purpose, row.Value.Content, content.IsHtml),
                content.Channel == Channel.Sms ? SmsText.Measure(row.Value.Content) : null) { IsHtml = content.IsHtml });
        }
        // Billed units as the members shown would be billed, for every member who will receive it.
        var perMessage = rows.Count == 0 ? 0 : (int)Math.Ceiling(rows.Average(r => r.Segments));
        var segments = perMessage * counts.WillReceive;
        var cost = segments == 0 ? 0m : await planner.EstimateCostAsync(plan.Content.Channel, segments, caller.TenantId, ct);
        return new ComposePreview(items, null, plan.Content.Unready?.Text, counts.WillReceive, segments, cost, plan.Content.Body.Variables) { Audience = counts };
    }

    public async Task<Result<SendReceipt>> SendAsync(ComposeDraft draft, Caller caller, CancellationToken ct)
    {
        if (draft.Audience is not null) return await messaging.SendAsync(ToRequest(draft), caller, ct);
        if (draft.Recipients.Invalid.Count > 0 && !draft.SkipInvalid)
        {
            var first = draft.Recipients.Invalid[0];
            return AppError.Validation($"recipients: line {first.Line}: {first.Error} ({draft.Recipients.Invalid.Count} invalid in all)");
        }
        var result = await messaging.SendAsync(ToRequest(draft), caller, ct);
        if (result.IsOk && draft.Recipients.Duplicates > 0)
        {
            var receipt = result.Value!;
            return receipt with { Duplicates = receipt.Duplicates + draft.Recipients.Duplicates };
        }
        return result;
    }

    /// <summary>The send a draft makes, previewed and sent alike.</summary>
    private static SendRequest ToRequest(ComposeDraft draft) => new()
    {
        Channel = draft.Channel,
        Recipients = draft.Audience is null ? draft.Recipients.Valid.Select(r => (string?)r.Normalized).ToList() : null,
        RecipientVariables = draft.Audience is null ? draft.Recipients.Valid.Select(r => r.Variables).ToList() : null,
        Audience = draft.Audience,
        Content = draft.Content,
        Subject = draft.Subject,
        Format = draft.Format,
        Variables = draft.Variables,
        TemplateCode = string.IsNullOrWhiteSpace(draft.TemplateCode) ? null : draft.TemplateCode,
        NotBefore = draft.ScheduleAt,
        Source = BatchSources.Console,
        Name = draft.Name,
        Purpose = draft.Purpose,
    };
}
