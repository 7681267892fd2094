using CommsConsole.Data;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Providers;
using CommsConsole.Features.Templates;

namespace CommsConsole.Features.Messaging;

/// <summary>
/// The one way from a send request to the rows it becomes: resolve the template → normalise and de-duplicate the recipients
/// → render each → decorate as the marketing gate says → apply the content rules (lengths, sensitive words, empty) → measure
/// segments. The send stores what it plans; the compose page previews the same plan, so the two cannot disagree.
/// </summary>
public sealed class SendPlanner(TemplateService templates, LiquidTemplateEngine engine, MarketingGate gate, IProviderResolver providers)
{
    public const int MaxSmsLength = 1_000;
    public const int MaxEmailBodyLength = 100_000;
    public const int MaxSubjectLength = 500;

    /// <summary>The plan of a send, or why it cannot be sent.</summary>
    public async Task<Result<SendPlan>> PlanAsync(SendRequest request, string tenantId, CancellationToken ct)
    {
        var planned = await PlanAsync(request, tenantId, draft: false, ct);
        return planned.IsOk ? planned.Value! : planned.Error!;
    }

    /// <summary>
    /// The plan of a draft, as the compose page shows it while it is written: what is not written yet is not an error — no
    /// content gives no plan (null), no recipients plans one sample recipient ("") with the shared variables, and an email
    /// without a subject is planned without one and says so in <see cref="SendPlan.Unready"/>. Everything else is the send's.
    /// </summary>
    public Task<Result<SendPlan?>> PlanDraftAsync(SendRequest request, string tenantId, CancellationToken ct) =>
        PlanAsync(request, tenantId, draft: true, ct);

    /// <summary>
    /// The plan of a send to an audience: its content resolved, and rendered once when it reads no contact field (the rows
    /// then differ only in their recipient). Content that reads contact fields is rendered per contact as the rows are
    /// written (<see cref="RenderForContact"/>), each held to the same rules.
    /// </summary>
    public async Task<Result<AudiencePlan>> PlanAudienceAsync(SendRequest request, string tenantId, CancellationToken ct)
    {
        if (TooLong(request) is { } tooLong) return tooLong;
        var resolved = await ResolveAsync(request, tenantId, draft: false, ct);
        if (!resolved.IsOk) return resolved.Error!;
        var content = resolved.Value!;
        var shared = request.Variables ?? new Dictionary<string, string>();
        if (ContactVariables.AreUsedBy(content)) return new AudiencePlan(content, null, shared);
        var row = RenderRow(content, "", shared, ErrorText.Of(""), []);
        return row.IsOk ? new AudiencePlan(content, row.Value, shared) : row.Error!;
    }

    /// <summary>One contact's row of a personalised audience send; <paramref name="checkedTexts"/> is kept across the send.</summary>
    public Result<MessageLedger.NewMessage> RenderForContact(AudiencePlan plan, AudienceMember member, Dictionary<string, int> checkedTexts) =>
        plan.Shared is { } shared
            ? shared with { Recipient = member.Address }
            : RenderRow(plan.Content, member.Address, ContactVariables.Of(plan.Variables, member), ErrorText.Of($" (contact {member.ContactId})"), checkedTexts);

    /// <summary>What the plan would cost at the tenant's provider's unit price.</summary>
    public Task<decimal> EstimateCostAsync(SendPlan plan, string tenantId, CancellationToken ct) => EstimateCostAsync(plan.Channel, plan.Segments, tenantId, ct);

    /// <summary>What so many billed units would cost at the tenant's provider's unit price.</summary>
    public async Task<decimal> EstimateCostAsync(Channel channel, long segments, string tenantId, CancellationToken ct) =>
        segments * (await providers.ResolveAsync(tenantId, channel, ct)).UnitPrice;

    /// <summary>The Liquid syntax error (with its position) a plan was refused for, if that was why: the error carries it as its value.</summary>
    public static TemplateError? SyntaxErrorOf(AppError? error) => error?.Text.Args.OfType<TemplateError>().FirstOrDefault();

    private async Task<Result<SendPlan?>> PlanAsync(SendRequest request, string tenantId, bool draft, CancellationToken ct)
    {
        if (TooLong(request) is { } tooLong) return tooLong;
        List<(int Index, string Recipient)> recipients;
        var duplicates = 0;
        if (draft && request.Recipients is not { Count: > 0 })
        {
            recipients = [(0, "")];
            request = request with { Recipients = [""], RecipientVariables = null };
        }
        else
        {
            var parsed = ParseRecipients(request, out duplicates);
            if (!parsed.IsOk) return parsed.Error!;
            recipients = parsed.Value!;
        }

        if (request.RecipientVariables is not null && request.RecipientVariables.Count != request.Recipients!.Count)
            return AppError.Validation("variables: one set of variables per recipient is required");
        var resolved = await ResolveAsync(request, tenantId, draft, ct);
        if (!resolved.IsOk) return resolved.Error!;
        if (resolved.Value is not { } content) return (SendPlan?)null;
        var rows = Render(request, recipients, content);
        if (!rows.IsOk) return rows.Error!;
        return new SendPlan(request.Channel, content.Purpose, content.Template, content.Policy, content.IsHtml, rows.Value!, duplicates, content.Body.Variables)
        {
            Unready = content.Unready,
        };
    }

    /// <summary>
    /// A send's content made ready to render: its template found, its body and subject compiled, its purpose and the
    /// tenant's policy. Null for a draft without content yet.
    /// </summary>
    private async Task<Result<SendContent?>> ResolveAsync(SendRequest request, string tenantId, bool draft, CancellationToken ct)
    {
        Template? template = null;
        var body = request.Content;
        var subject = request.Subject;
        var format = request.Format;
        if (format is not null && request.Channel != Channel.Email) return AppError.Validation("format: only email content has a format (markdown or html)");
        if (!string.IsNullOrWhiteSpace(request.TemplateCode))
        {
            template = await templates.FindByCodeAsync(tenantId, request.TemplateCode, ct);
            if (template is null) return AppError.NotFound($"template: no template with code '{request.TemplateCode.Trim()}'");
            if (template.Channel != request.Channel)
                return AppError.Validation($"template: '{template.Code}' is an {ErrorText.Term(template.Channel.ToWire())} template, not {ErrorText.Term(request.Channel.ToWire())}");
            body = template.Body;
            format = template.Format;
            if (string.IsNullOrWhiteSpace(subject)) subject = template.Subject;
        }
        if (string.IsNullOrWhiteSpace(body)) return draft ? (SendContent?)null : AppError.Validation("content: must not be empty", MessagingService.CodeEmptyContent);

        AppError? unready = null;
        if (request.Channel == Channel.Sms) subject = null;
        else if (string.IsNullOrWhiteSpace(subject))
        {
            var missing = AppError.Validation("subject: required for email");
            if (!draft) return missing;
            (unready, subject) = (missing, null);
        }

        if (!engine.TryCompile(body, out var bodyTemplate, out var syntax)) return AppError.Validation($"content: Liquid syntax error: {syntax}");
        CompiledTemplate? subjectTemplate = null;
        if (subject is not null && !engine.TryCompile(subject, out subjectTemplate, out var subjectSyntax))
            return AppError.Validation($"subject: Liquid syntax error: {subjectSyntax}");

        var purpose = request.Purpose ?? MarketingGate.DefaultPurpose(request.Source, request.TemplateCode);
        var policy = await gate.PolicyAsync(tenantId, ct);
        if (MarketingGate.Refuse(request.Channel, purpose, policy) is { } refused) return refused;
        var resolvedFormat = EmailFormat.Resolve(request.Channel, format, body);
        return new SendContent(request.Channel, template, bodyTemplate, subjectTemplate, resolvedFormat is not null, purpose, policy, unready) { Format = resolvedFormat };
    }

    private Result<List<MessageLedger.NewMessage>> Render(SendRequest request, List<(int Index, string Recipient)> recipients, SendContent content)
    {
        var shared = request.Variables ?? new Dictionary<string, string>();
        var rows = new List<MessageLedger.NewMessage>(recipients.Count);
        var segmentsByContent = new Dictionary<string, int>();
        MessageLedger.NewMessage? sharedRow = null;
        foreach (var (index, recipient) in recipients)
        {
            var own = request.RecipientVariables?[index];
            var variables = own is null || own.Count == 0 ? shared : Merge(shared, own);
            if (sharedRow is not null && ReferenceEquals(variables, shared))
            {
                // Same variables as a row already rendered: render once, reuse for every such row (10,000 recipients render once).
                rows.Add(sharedRow with { Recipient = recipient });
                continue;
            }
            var row = RenderRow(content, recipient, variables, rows.Count == 0 ? ErrorText.Of("") : ErrorText.Of($" (recipient {index + 1})"), segmentsByContent);
            if (!row.IsOk) return row.Error!;
            if (ReferenceEquals(variables, shared)) sharedRow = row.Value!;
            rows.Add(row.Value!);
        }
        return rows;
    }

    /// <summary>
    /// One recipient's row: rendered, decorated as the marketing gate says, held to the content rules (lengths, sensitive
    /// words) and measured. <paramref name="segmentsByContent"/> remembers texts already checked.
    /// </summary>
    internal Result<MessageLedger.NewMessage> RenderRow(SendContent content, string recipient, IReadOnlyDictionary<string, string> variables, ErrorText at,
        Dictionary<string, int> segmentsByContent)
    {
        var channel = content.Channel;
        var rendered = RenderOne(channel, content.Body, content.Subject, variables, content.Format, at);
        if (!rendered.IsOk) return rendered.Error!;
        var (text, renderedSubject) = rendered.Value;
        text = MarketingGate.DecorateAtAccept(channel, content.Purpose, text, content.Policy, content.IsHtml);
        if (!segmentsByContent.TryGetValue(text, out var segments))
        {
            if (channel == Channel.Sms && text.Length > MaxSmsLength)
                return AppError.Validation($"content: SMS text is {text.Length} characters with the opt-out hint; at most {MaxSmsLength} are allowed");
            if (content.Policy.FindSensitiveWord(text) is { } word) return SensitiveWordError("content", word);
            if (renderedSubject is not null && content.Policy.FindSensitiveWord(renderedSubject) is { } inSubject) return SensitiveWordError("subject", inSubject);
            segments = channel == Channel.Sms ? SmsText.Measure(text).Segments : 1;
            // Personalised texts differ per recipient: remember a bounded number, so a million contacts do not keep a million texts.
            if (segmentsByContent.Count < 1_000) segmentsByContent[text] = segments;
        }
        return new MessageLedger.NewMessage(recipient, text, segments, renderedSubject);
    }

    private static AppError SensitiveWordError(string field, string word) =>
        AppError.Validation($"{field}: contains the sensitive word '{word}', which this tenant does not allow in messages");

    private static Result<List<(int Index, string Recipient)>> ParseRecipients(SendRequest request, out int duplicates)
    {
        duplicates = 0;
        var field = request.RecipientField;
        if (request.Recipients is null || request.Recipients.Count == 0)
            return AppError.Validation($"{field}: at least one recipient is required", request.Channel == Channel.Sms ? MessagingService.CodeBadPhone : null);
        if (request.Recipients.Count > request.MaxRecipients)
            return AppError.Validation($"{field}: {request.Recipients.Count} recipients given; at most {request.MaxRecipients} are allowed in one request");

        var set = new RecipientSet(request.Channel);
        var list = new List<(int, string)>(request.Recipients.Count);
        var bad = new List<ErrorText>();
        var badCount = 0;
        for (var i = 0; i < request.Recipients.Count; i++)
        {
            var normalized = set.Add(request.Recipients[i], out var error);
            if (error is not null)
            {
                if (++badCount <= 5) bad.Add(request.Recipients.Count == 1 && field != "recipients" ? ErrorText.Of($"{field}: {error}") : ErrorText.Of($"{field}[{i}]: {error}"));
                continue;
            }
            if (normalized is not null) list.Add((i, normalized));
        }
        duplicates = set.Duplicates;
        if (badCount > 0)
        {
            var more = badCount > bad.Count ? ErrorText.Of($" (and {badCount - bad.Count} more)") : ErrorText.Of("");
            return AppError.Validation($"{ErrorText.Join(bad)}{more}", request.Channel == Channel.Sms ? MessagingService.CodeBadPhone : null);
        }
        return list;
    }

    private Result<(string Content, string? Subject)> RenderOne(Channel channel, CompiledTemplate body, CompiledTemplate? subject,
        IReadOnlyDictionary<string, string> variables, EmailBodyFormat? format, ErrorText at)
    {
        // Recipient data must not inject markup (or Markdown) into an email; the template's own markup stays.
        if (!engine.TryRender(body, variables, EmailBody.EncodingFor(format), out var content, out var error)) return AppError.Validation($"content: could not be rendered{at}: {error}");
        if (string.IsNullOrWhiteSpace(content)) return AppError.Validation($"content: is empty once rendered{at}", MessagingService.CodeEmptyContent);
        if (channel == Channel.Sms && content.Length > MaxSmsLength)
            return AppError.Validation($"content: SMS text is {content.Length} characters once rendered{at}; at most {MaxSmsLength} are allowed");
        if (channel == Channel.Email && content.Length > MaxEmailBodyLength)
            return AppError.Validation($"content: email body is {content.Length} characters once rendered{at}; at most {MaxEmailBodyLength} are allowed");
        if (channel == Channel.Email)
        {
            // Markdown made HTML, sanitised, its CSS inlined: what is stored is what goes out.
            if (!EmailBody.TryFinish(content, format, out var finished, out var why)) return AppError.Validation($"content: {why}{at}");
            if (string.IsNullOrWhiteSpace(finished)) return AppError.Validation($"content: is empty once rendered{at}", MessagingService.CodeEmptyContent);
            content = finished;
        }
        if (subject is null) return (content, null);
        if (!engine.TryRender(subject, variables, htmlEncode: false, out var renderedSubject, out var subjectError)) return AppError.Validation($"subject: could not be rendered{at}: {subjectError}");
        renderedSubject = renderedSubject.Trim();
        if (renderedSubject.Length is 0 or > MaxSubjectLength) return AppError.Validation($"subject: must be 1 to {MaxSubjectLength} characters once rendered{at}");
        return (content, renderedSubject);
    }

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> shared, IReadOnlyDictionary<string, string> own)
    {
        var merged = new Dictionary<string, string>(shared, StringComparer.Ordinal);
        foreach (var (k, v) in own) merged[k] = v;
        return merged;
    }

    /// <summary>The caller's own labels are stored as given, so one longer than its column is refused, never cut.</summary>
    private static AppError? TooLong(SendRequest request) =>
        request.ReceiverName?.Length > Message.MaxReceiverName ? AppError.Validation($"receiverName: at most {Message.MaxReceiverName} characters")
        : request.BizType?.Length > Message.MaxBizType ? AppError.Validation($"bizType: at most {Message.MaxBizType} characters")
        : request.Remark?.Length > Message.MaxRemark ? AppError.Validation($"remark: at most {Message.MaxRemark} characters")
        : request.Name?.Trim().Length > Batch.MaxName ? AppError.Validation($"name: at most {Batch.MaxName} characters")
        : null;
}
