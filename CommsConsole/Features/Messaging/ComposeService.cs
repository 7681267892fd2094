using CommsConsole.Features.Providers;
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
    public RecipientList Recipients { get; init; } = RecipientList.Empty;
    /// <summary>Marketing unless the sender says the message is transactional.</summary>
    public Purpose Purpose { get; init; } = Purpose.Marketing;
    /// <summary>Send at this time instead of now.</summary>
    public DateTimeOffset? ScheduleAt { get; init; }
    /// <summary>The campaign's name.</summary>
    public string? Name { get; init; }
    /// <summary>The sender chose to send to the valid recipients and leave out the lines that are not.</summary>
    public bool SkipInvalid { get; init; }
}

public sealed record PreviewItem(string Recipient, string? Subject, string? Content, ErrorText? Error, SmsMeasure? Measure)
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
    IReadOnlyList<string> Variables);

/// <summary>The compose page's rules: the same rendering and checks as a send, without writing anything.</summary>
public sealed class ComposeService(MessagingService messaging, TemplateService templates, LiquidTemplateEngine engine, IProviderResolver providers,
    Compliance.PolicyService policies, Compliance.UnsubscribeLinks unsubscribe)
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

    public async Task<ComposePreview> PreviewAsync(ComposeDraft draft, Caller caller, CancellationToken ct)
    {
        var (body, subject, error) = await ResolveAsync(draft, caller, ct);
        if (error is not null) return new ComposePreview([], null, error, 0, 0, 0m, []);
        if (string.IsNullOrWhiteSpace(body)) return new ComposePreview([], null, null, 0, 0, 0m, []);
        if (!engine.TryCompile(body, out var bodyTemplate, out var syntax)) return new ComposePreview([], syntax, null, 0, 0, 0m, []);
        CompiledTemplate? subjectTemplate = null;
        if (!string.IsNullOrWhiteSpace(subject) && draft.Channel == Channel.Email && !engine.TryCompile(subject, out subjectTemplate, out var subjectSyntax))
            return new ComposePreview([], subjectSyntax, null, 0, 0, 0m, bodyTemplate.Variables);

        var policy = draft.Purpose == Purpose.Marketing ? await policies.GetAsync(caller.TenantId, ct) : null;
        if (policy is not null && draft.Channel == Channel.Email && policy.PostalAddress is null)
            return new ComposePreview([], null, ErrorText.Of("Marketing email needs the sender's postal address: an Admin sets it under Compliance, or send it as transactional."), 0, 0, 0m, bodyTemplate.Variables);
        var recipients = draft.Recipients.Valid;
        var samples = recipients.Count > 0 ? recipients.Take(PreviewCount).ToList()
            : [new RecipientEntry(0, "", "", null, new Dictionary<string, string>())];
        var items = samples.Select(r => Render(draft.Channel, bodyTemplate, subjectTemplate, r, policy)).ToList();

        // Segments (and so cost) can differ per recipient once variables are in; count them all.
        var segments = 0;
        foreach (var r in recipients)
        {
            if (draft.Channel == Channel.Email) { segments++; continue; }
            segments += engine.TryRender(bodyTemplate, r.Variables, false, out var text, out _)
                ? SmsText.Measure(policy is null ? text : Compliance.ComplianceText.WithOptOutHint(text, policy.SmsOptOutHint)).Segments : 0;
        }
        var unitPrice = (await providers.ResolveAsync(caller.TenantId, draft.Channel, ct)).UnitPrice;
        return new ComposePreview(items, null, null, recipients.Count, segments, segments * unitPrice, bodyTemplate.Variables);
    }

    public async Task<Result<SendReceipt>> SendAsync(ComposeDraft draft, Caller caller, CancellationToken ct)
    {
        if (draft.Recipients.Invalid.Count > 0 && !draft.SkipInvalid)
        {
            var first = draft.Recipients.Invalid[0];
            return AppError.Validation($"recipients: line {first.Line}: {first.Error} ({draft.Recipients.Invalid.Count} invalid in all)");
        }
        var request = new SendRequest
        {
            Channel = draft.Channel,
            Recipients = draft.Recipients.Valid.Select(r => (string?)r.Normalized).ToList(),
            RecipientVariables = draft.Recipients.Valid.Select(r => r.Variables).ToList(),
            Content = draft.Content,
            Subject = draft.Subject,
            TemplateCode = string.IsNullOrWhiteSpace(draft.TemplateCode) ? null : draft.TemplateCode,
            NotBefore = draft.ScheduleAt,
            Source = BatchSources.Console,
            Name = draft.Name,
            Purpose = draft.Purpose,
        };
        var result = await messaging.SendAsync(request, caller, ct);
        if (result.IsOk && draft.Recipients.Duplicates > 0)
        {
            var receipt = result.Value!;
            return receipt with { Duplicates = receipt.Duplicates + draft.Recipients.Duplicates };
        }
        return result;
    }

    private async Task<(string? Body, string? Subject, ErrorText? Error)> ResolveAsync(ComposeDraft draft, Caller caller, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(draft.TemplateCode)) return (draft.Content, draft.Subject, null);
        var template = await templates.FindByCodeAsync(caller.TenantId, draft.TemplateCode, ct);
        if (template is null) return (null, null, ErrorText.Of($"template: no template with code '{draft.TemplateCode}'"));
        if (template.Channel != draft.Channel) return (null, null, ErrorText.Of($"template: '{template.Code}' is an {ErrorText.Term(template.Channel.ToWire())} template"));
        return (template.Body, string.IsNullOrWhiteSpace(draft.Subject) ? template.Subject : draft.Subject, null);
    }

    private PreviewItem Render(Channel channel, CompiledTemplate body, CompiledTemplate? subject, RecipientEntry recipient, Compliance.EffectivePolicy? marketing)
    {
        var shown = recipient.Normalized is { Length: > 0 } n ? n : "(sample)";
        var isHtml = EmailFormat.IsHtml(channel, body.Source);
        if (!engine.TryRender(body, recipient.Variables, isHtml, out var content, out var error)) return new PreviewItem(shown, null, null, ErrorText.Of($"{error}"), null);
        if (marketing is not null) content = Compliance.ComplianceText.Decorate(channel, content, marketing, isHtml);
        // Dispatch adds each recipient's own unsubscribe link; the preview shows where it goes with a link that unsubscribes no one.
        if (marketing is not null && channel == Channel.Email) content = Compliance.ComplianceText.WithUnsubscribeLink(content, unsubscribe.PreviewUrl, isHtml);
        if (marketing?.FindSensitiveWord(content) is { } word) return new PreviewItem(shown, null, content, ErrorText.Of($"contains the sensitive word '{word}'"), null);
        string? renderedSubject = null;
        if (subject is not null && !engine.TryRender(subject, recipient.Variables, false, out renderedSubject, out var subjectError))
            return new PreviewItem(shown, null, content, ErrorText.Of($"{subjectError}"), null);
        return new PreviewItem(shown, renderedSubject?.Trim(), content, null, channel == Channel.Sms ? SmsText.Measure(content) : null) { IsHtml = isHtml };
    }
}
