using CommsConsole.Data;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Dispatch;
using CommsConsole.Features.Templates;
using CommsConsole.Features.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Messaging;

/// <summary>A send of one content to many recipients, from whichever face asked for it.</summary>
public sealed record SendRequest
{
    public required Channel Channel { get; init; }
    public required IReadOnlyList<string?>? Recipients { get; init; }
    /// <summary>The request's own name for the recipients, used in error messages (recipients, phones, phone).</summary>
    public string RecipientField { get; init; } = "recipients";
    public int MaxRecipients { get; init; } = MessagingService.MaxBulkRecipients;
    public string? Content { get; init; }
    public string? Subject { get; init; }
    public string? TemplateCode { get; init; }
    public IReadOnlyDictionary<string, string>? Variables { get; init; }
    /// <summary>Variables of each recipient (e.g. the columns of an uploaded CSV), aligned with <see cref="Recipients"/>; they override <see cref="Variables"/>.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>>? RecipientVariables { get; init; }
    /// <summary>An Admin may send on behalf of a user of its tenant.</summary>
    public string? OnBehalfOfUserId { get; init; }
    public string? ReceiverName { get; init; }
    public long? ReceiverId { get; init; }
    public long? CampusId { get; init; }
    public string? BizType { get; init; }
    public long? BizId { get; init; }
    public string? Remark { get; init; }
    /// <summary>Marketing unless the face or the caller says transactional; marketing is held to opt-outs and the tenant's rules.</summary>
    public Purpose Purpose { get; init; } = Purpose.Marketing;
    /// <summary>Where the send came from (api-bulk, sms-send, sms-batch, sms-template, console).</summary>
    public required string Source { get; init; }
    /// <summary>The campaign's name, as the sender gave it.</summary>
    public string? Name { get; init; }
    /// <summary>Send no earlier than this (a scheduled send); now when null.</summary>
    public DateTimeOffset? NotBefore { get; init; }
    /// <summary>
    /// The caller starts dispatch itself once it has answered (see <see cref="DispatchQueue.Kick"/>), so that a large
    /// answer is not written while dispatch already competes for the CPU. The sweeper starts it regardless.
    /// </summary>
    public bool CallerStartsDispatch { get; init; }
}

public sealed record SendReceipt(Batch Batch, IReadOnlyList<Message> Messages, int Duplicates);

public sealed record LogFilter
{
    public string? UserId { get; init; }
    /// <summary>The raw channel filter; "push" is a valid filter that no message matches yet.</summary>
    public string? Channel { get; init; }
    public string? Status { get; init; }
    public long? BatchId { get; init; }
    public int? TemplateId { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public string? Recipient { get; init; }
    public string? Purpose { get; init; }
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = MessagingService.DefaultPageSize;
    /// <summary>One of <see cref="MessagingService.SortColumns"/>; newest first when null.</summary>
    public string? SortBy { get; init; }
    public bool SortAscending { get; init; }
}

/// <summary>
/// The one service behind both API faces and the console for sending, reading and retrying messages. What a caller
/// may read is <see cref="OwnedRecords.VisibleTo{T}"/>'s rule; status changes are written by <see cref="MessageLedger"/>.
/// </summary>
public sealed class MessagingService(
    AppDbContext db,
    MessageLedger ledger,
    TemplateService templates,
    LiquidTemplateEngine engine,
    DispatchQueue dispatch,
    TimeProvider clock,
    IOptions<DispatchOptions> dispatchOptions,
    IMemoryCache counts,
    PolicyService policies,
    SuppressionService suppressions,
    SendRateLimit rateLimit)
{
    public const int MaxBulkRecipients = 10_000;
    public const int MaxSmsLength = 1_000;
    public const int MaxEmailBodyLength = 100_000;
    public const int MaxSubjectLength = 500;
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public const int CodeBadPhone = 1001;
    public const int CodeEmptyContent = 1002;
    public const int CodeNoRecord = 1003;
    public const int CodeNotFailed = 1004;
    public const int CodeRetriesExhausted = 1005;
    /// <summary>
    /// Not in document 003, which stops at 1005: too many verification codes to one number (frequency cap), answered with
    /// HTTP 429. The next free number after the document's own codes.
    /// </summary>
    public const int CodeTooManyCodes = 1006;

    /// <summary>The template code of verification codes (document 003's VERIFY_CODE) and the bizType that marks them.</summary>
    public const string VerifyCodeTemplate = "VERIFY_CODE";
    public const string VerifyCodeBizType = "verify_code";

    public async Task<Result<SendReceipt>> SendAsync(SendRequest request, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden($"the {ErrorText.Term(caller.Role)} role cannot send messages");
        if (rateLimit.TryAcquire(caller) is { } tooMany) return tooMany;

        var owner = caller.UserId;
        if (!string.IsNullOrWhiteSpace(request.OnBehalfOfUserId) && request.OnBehalfOfUserId != caller.UserId)
        {
            if (!caller.IsAdmin) return AppError.Forbidden("user_id: only an Admin may send on behalf of another user");
            var exists = await db.Users.AnyAsync(u => u.Id == request.OnBehalfOfUserId && u.TenantId == caller.TenantId, ct);
            if (!exists) return AppError.NotFound($"user_id: no user '{request.OnBehalfOfUserId}' in your tenant");
            owner = request.OnBehalfOfUserId;
        }

        if (TooLong(request) is { } tooLong) return tooLong;
        var recipients = ParseRecipients(request, out var duplicates);
        if (!recipients.IsOk) return recipients.Error!;

        Template? template = null;
        var body = request.Content;
        var subject = request.Subject;
        if (!string.IsNullOrWhiteSpace(request.TemplateCode))
        {
            template = await templates.FindByCodeAsync(caller.TenantId, request.TemplateCode, ct);
            if (template is null) return AppError.NotFound($"template: no template with code '{request.TemplateCode.Trim()}'");
            if (template.Channel != request.Channel)
                return AppError.Validation($"template: '{template.Code}' is an {ErrorText.Term(template.Channel.ToWire())} template, not {ErrorText.Term(request.Channel.ToWire())}");
            body = template.Body;
            if (string.IsNullOrWhiteSpace(subject)) subject = template.Subject;
        }
        if (string.IsNullOrWhiteSpace(body)) return AppError.Validation("content: must not be empty", CodeEmptyContent);

        if (request.RecipientVariables is not null && request.RecipientVariables.Count != request.Recipients!.Count)
            return AppError.Validation("variables: one set of variables per recipient is required");
        if (request.Channel == Channel.Sms) subject = null;
        else if (string.IsNullOrWhiteSpace(subject)) return AppError.Validation("subject: required for email");

        if (!engine.TryCompile(body, out var bodyTemplate, out var syntax)) return AppError.Validation($"content: Liquid syntax error: {syntax}");
        CompiledTemplate? subjectTemplate = null;
        if (subject is not null && !engine.TryCompile(subject, out subjectTemplate, out var subjectSyntax))
            return AppError.Validation($"subject: Liquid syntax error: {subjectSyntax}");

        var policy = await policies.GetAsync(caller.TenantId, ct);
        var marketing = request.Purpose == Purpose.Marketing;
        if (marketing && request.Channel == Channel.Email && policy.PostalAddress is null)
            return AppError.Validation("purpose: marketing email must carry the sender's postal address in its footer, and this tenant has none; " +
                "an Admin sets it under Compliance (/settings/compliance), or send with purpose \"transactional\" if this is not marketing");

        var isHtml = EmailFormat.IsHtml(request.Channel, body);
        var baseVariables = request.Variables ?? new Dictionary<string, string>();
        var rows = new List<MessageLedger.NewMessage>(recipients.Value!.Count);
        var segmentsByContent = new Dictionary<string, int>();
        MessageLedger.NewMessage? previous = null;
        foreach (var (index, recipient) in recipients.Value!)
        {
            var variables = request.RecipientVariables is null ? baseVariables : Merge(baseVariables, request.RecipientVariables[index]);
            if (previous is not null && request.RecipientVariables is null)
            {
                // Same variables for everyone: render once, reuse for every row.
                rows.Add(previous with { Recipient = recipient });
                continue;
            }
            var rendered = RenderOne(request.Channel, bodyTemplate, subjectTemplate, variables, isHtml, rows.Count == 0 ? null : index + 1);
            if (!rendered.IsOk) return rendered.Error!;
            var (content, renderedSubject) = rendered.Value;
            if (marketing) content = ComplianceText.Decorate(request.Channel, content, policy, isHtml);
            if (!segmentsByContent.TryGetValue(content, out var segments))
            {
                if (request.Channel == Channel.Sms && content.Length > MaxSmsLength)
                    return AppError.Validation($"content: SMS text is {content.Length} characters with the opt-out hint; at most {MaxSmsLength} are allowed");
                if (policy.FindSensitiveWord(content) is { } word) return SensitiveWordError("content", word);
                if (renderedSubject is not null && policy.FindSensitiveWord(renderedSubject) is { } inSubject) return SensitiveWordError("subject", inSubject);
                segments = request.Channel == Channel.Sms ? SmsText.Measure(content).Segments : 1;
                segmentsByContent[content] = segments;
            }
            previous = new MessageLedger.NewMessage(recipient, content, segments, renderedSubject);
            rows.Add(previous);
        }

        // A verification code's cap is counted and its rows written under one hold on its numbers: twenty requests at once
        // for one number see each other's rows, so no more than the cap go out.
        var verification = IsVerificationCode(request, template);
        await using var capped = verification ? await ledger.BeginHoldingRecipientsAsync(caller.TenantId, rows.Select(r => r.Recipient).ToList(), ct) : null;
        var now = clock.GetUtcNow();
        if (verification && await CheckFrequencyAsync(caller.TenantId, rows, template, policy, now, ct) is { } overCap) return overCap;
        if (marketing)
        {
            var optedOut = await suppressions.FindAsync(caller.TenantId, request.Channel, rows.Select(r => r.Recipient).ToList(), ct);
            if (optedOut.Count > 0)
            {
                for (var i = 0; i < rows.Count; i++)
                {
                    if (optedOut.TryGetValue(rows[i].Recipient, out var s)) rows[i] = rows[i] with { SuppressedBecause = SuppressionService.RowError(s) };
                }
            }
        }
        var due = request.NotBefore is { } at && at > now ? at : now;
        // Marketing SMS due inside the tenant's quiet hours waits, pending, until they end.
        if (marketing && request.Channel == Channel.Sms && policy.QuietUntil(due) is { } quietEnds) due = quietEnds;
        var batch = new Batch
        {
            TenantId = caller.TenantId, UserId = owner, Channel = request.Channel, Purpose = request.Purpose, TemplateId = template?.Id, Subject = rows[0].Subject,
            Source = request.Source, Name = string.IsNullOrWhiteSpace(request.Name) ? null : request.Name.Trim(),
            CreatedAt = now, Duplicates = duplicates, ScheduledAt = due > now ? due : null,
        };
        var prototype = new Message
        {
            TenantId = caller.TenantId, UserId = owner, Channel = request.Channel, Purpose = request.Purpose, Recipient = "", Content = "", IsHtml = isHtml, Subject = rows[0].Subject,
            TemplateId = template?.Id, ReceiverName = request.ReceiverName, ReceiverId = request.ReceiverId, CampusId = request.CampusId,
            BizType = CanonicalBizType(request.BizType), BizId = request.BizId, Remark = request.Remark, CreatedAt = now, NextAttemptAt = due,
        };
        var messages = await ledger.InsertBatchAsync(batch, prototype, rows, ct);
        if (capped is not null) await capped.CommitAsync(ct);
        if (batch.Pending == 0) return new SendReceipt(batch, messages, duplicates);
        if (due > now) dispatch.KickAt(due);
        else if (!request.CallerStartsDispatch) dispatch.Kick(messages.Count);
        return new SendReceipt(batch, messages, duplicates);
    }

    private static AppError SensitiveWordError(string field, string word) =>
        AppError.Validation($"{field}: contains the sensitive word '{word}', which this tenant does not allow in messages");

    private static bool IsVerificationCode(SendRequest request, Template? template) =>
        request.Channel == Channel.Sms &&
        (string.Equals(template?.Code, VerifyCodeTemplate, StringComparison.OrdinalIgnoreCase) || CanonicalBizType(request.BizType) == VerifyCodeBizType);

    /// <summary>
    /// The bizType as it is stored and counted: a verification code's in its one spelling (<see cref="VerifyCodeBizType"/>)
    /// however it was cased, padded or widened (Verify_Code, " verify_code", ｖｅｒｉｆｙ＿ｃｏｄｅ), so that the cap counts
    /// every earlier code; any other as given.
    /// </summary>
    public static string? CanonicalBizType(string? bizType)
    {
        if (bizType is null) return null;
        string folded;
        try
        {
            folded = bizType.Normalize(System.Text.NormalizationForm.FormKC).Trim();
        }
        catch (ArgumentException)
        {
            return bizType; // not valid Unicode (a lone surrogate): not a verification code either
        }
        return folded.Equals(VerifyCodeBizType, StringComparison.OrdinalIgnoreCase) ? VerifyCodeBizType : bizType;
    }

    /// <summary>
    /// Verification codes to one number are capped per minute, hour and day (SMS pumping): counted from the tenant's rows,
    /// whatever became of them, so a refused or failed code still counts as asked for.
    /// </summary>
    private async Task<AppError?> CheckFrequencyAsync(string tenantId, IReadOnlyList<MessageLedger.NewMessage> rows, Template? template,
        EffectivePolicy policy, DateTimeOffset now, CancellationToken ct)
    {
        var caps = new (int Limit, TimeSpan Window, ErrorText Name, ErrorText Period)[]
        {
            (policy.VerifyCodesPerMinute, TimeSpan.FromMinutes(1), ErrorText.Of("a minute"), ErrorText.Of("minute")),
            (policy.VerifyCodesPerHour, TimeSpan.FromHours(1), ErrorText.Of("an hour"), ErrorText.Of("hour")),
            (policy.VerifyCodesPerDay, TimeSpan.FromDays(1), ErrorText.Of("a day"), ErrorText.Of("24 hours")),
        };
        if (caps.All(c => c.Limit <= 0)) return null;
        var since = now - TimeSpan.FromDays(1);
        var verifyTemplateId = template is not null && string.Equals(template.Code, VerifyCodeTemplate, StringComparison.OrdinalIgnoreCase)
            ? template.Id
            : await db.Templates.Where(t => t.TenantId == tenantId && t.Code == VerifyCodeTemplate).Select(t => (int?)t.Id).FirstOrDefaultAsync(ct);
        foreach (var chunk in rows.Select(r => r.Recipient).Chunk(500))
        {
            var recent = await db.Messages.AsNoTracking()
                .Where(m => chunk.Contains(m.Recipient) && m.CreatedAt >= since && m.TenantId == tenantId && m.Channel == Channel.Sms
                    && (m.TemplateId == verifyTemplateId || m.BizType == VerifyCodeBizType))
                .Select(m => new { m.Recipient, m.CreatedAt }).ToListAsync(ct);
            foreach (var group in recent.GroupBy(m => m.Recipient))
            {
                foreach (var (limit, window, name, period) in caps)
                {
                    if (limit <= 0) continue;
                    var inWindow = group.Where(m => m.CreatedAt > now - window).OrderBy(m => m.CreatedAt).ToList();
                    if (inWindow.Count < limit) continue;
                    var retryAt = inWindow[inWindow.Count - limit].CreatedAt + window;
                    var wait = Math.Max(1, (int)Math.Ceiling((retryAt - now).TotalSeconds));
                    return AppError.TooManyRequests(
                        $"phone: {group.Key} has been sent {inWindow.Count} verification code(s) in the last {period}; " +
                        $"at most {limit} {name} are allowed per number, so nothing was sent; try again in {wait} s",
                        TimeSpan.FromSeconds(wait), CodeTooManyCodes);
                }
            }
        }
        return null;
    }

    private static Result<List<(int Index, string Recipient)>> ParseRecipients(SendRequest request, out int duplicates)
    {
        duplicates = 0;
        var field = request.RecipientField;
        if (request.Recipients is null || request.Recipients.Count == 0) return AppError.Validation($"{field}: at least one recipient is required", request.Channel == Channel.Sms ? CodeBadPhone : null);
        if (request.Recipients.Count > request.MaxRecipients)
            return AppError.Validation($"{field}: {request.Recipients.Count} recipients given; at most {request.MaxRecipients} are allowed in one request");

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var list = new List<(int, string)>(request.Recipients.Count);
        var bad = new List<ErrorText>();
        var badCount = 0;
        for (var i = 0; i < request.Recipients.Count; i++)
        {
            var raw = request.Recipients[i];
            string? normalized;
            ErrorText? error;
            var ok = request.Channel == Channel.Sms
                ? Phones.TryNormalize(raw, out normalized, out error)
                : EmailAddresses.TryNormalize(raw, out normalized, out error);
            if (!ok)
            {
                if (++badCount <= 5) bad.Add(request.Recipients.Count == 1 && field != "recipients" ? ErrorText.Of($"{field}: {error}") : ErrorText.Of($"{field}[{i}]: {error}"));
                continue;
            }
            if (seen.Add(normalized!)) list.Add((i, normalized!));
            else duplicates++;
        }
        if (badCount > 0)
        {
            var more = badCount > bad.Count ? ErrorText.Of($" (and {badCount - bad.Count} more)") : ErrorText.Of("");
            return AppError.Validation($"{ErrorText.Join(bad)}{more}", request.Channel == Channel.Sms ? CodeBadPhone : null);
        }
        return list;
    }

    private Result<(string Content, string? Subject)> RenderOne(Channel channel, CompiledTemplate body, CompiledTemplate? subject,
        IReadOnlyDictionary<string, string> variables, bool isHtml, int? recipient)
    {
        var at = recipient is null ? ErrorText.Of("") : ErrorText.Of($" (recipient {recipient})");
        // Recipient data must not inject markup into an HTML email; the template's own markup stays.
        if (!engine.TryRender(body, variables, isHtml, out var content, out var error)) return AppError.Validation($"content: could not be rendered{at}: {error}");
        if (string.IsNullOrWhiteSpace(content)) return AppError.Validation($"content: is empty once rendered{at}", CodeEmptyContent);
        if (channel == Channel.Sms && content.Length > MaxSmsLength)
            return AppError.Validation($"content: SMS text is {content.Length} characters once rendered{at}; at most {MaxSmsLength} are allowed");
        if (channel == Channel.Email && content.Length > MaxEmailBodyLength)
            return AppError.Validation($"content: email body is {content.Length} characters once rendered{at}; at most {MaxEmailBodyLength} are allowed");
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

    /// <summary>The messages the caller may see: its tenant's (Admin, Auditor), its own (everyone else), all (SystemAdmin).</summary>
    public IQueryable<Message> Visible(Caller caller) => db.Messages.AsNoTracking().VisibleTo(caller);

    public async Task<Result<Page<Message>>> QueryAsync(LogFilter filter, Caller caller, CancellationToken ct)
    {
        if (filter.Page < 1) return AppError.Validation("page: must be 1 or more");
        if (filter.PageSize is < 1 or > MaxPageSize) return AppError.Validation($"page_size: must be between 1 and {MaxPageSize}");
        if (filter.Page > int.MaxValue / filter.PageSize) return AppError.Validation("page: too large");
        if (ValidateFilter(filter, caller) is { } error) return error;

        var q = Filtered(filter, caller);
        var total = await CountAsync(q, filter, caller, ct);
        // Deferred join: the page's ids come from the index alone (skipping deep pages without reading rows),
        // then only those rows are read.
        var pageIds = Sorted(q, filter).Skip((filter.Page - 1) * filter.PageSize).Take(filter.PageSize).Select(m => m.Id);
        var items = await Sorted(db.Messages.AsNoTracking().Where(m => pageIds.Contains(m.Id)), filter).ToListAsync(ct);
        return new Page<Message>(items, filter.Page, filter.PageSize, total);
    }

    private const int CachedCountThreshold = 10_000;

    /// <summary>
    /// Counting a large result reads every matching index entry (tens of milliseconds per million rows), and paging
    /// through the same filter would count again on every page. Counts above <see cref="CachedCountThreshold"/> are
    /// kept for a few seconds; smaller ones are always exact.
    /// </summary>
    private async Task<int> CountAsync(IQueryable<Message> q, LogFilter filter, Caller caller, CancellationToken ct)
    {
        var scope = caller.Reach switch { Reach.All => "*", Reach.Tenant => caller.TenantId, _ => caller.TenantId + "/" + caller.UserId };
        var key = ("log-count", scope, filter with { Page = 1, PageSize = 1, SortBy = null, SortAscending = false });
        if (counts.TryGetValue(key, out int cached)) return cached;
        var total = await q.CountAsync(ct);
        if (total > CachedCountThreshold) counts.Set(key, total, TimeSpan.FromSeconds(5));
        return total;
    }

    /// <summary>Why a filter cannot be used by this caller, or null when it can.</summary>
    public static AppError? ValidateFilter(LogFilter filter, Caller caller)
    {
        if (!string.IsNullOrWhiteSpace(filter.UserId) && caller.Reach == Reach.Own && filter.UserId != caller.UserId)
            return AppError.Forbidden("user_id: you may only read your own messages");
        if (!string.IsNullOrWhiteSpace(filter.Channel) && !Wire.TryParseChannel(filter.Channel, out _) && !IsPush(filter.Channel))
            return AppError.Validation($"channel: '{filter.Channel}' is not one of sms, email, push");
        if (!string.IsNullOrWhiteSpace(filter.Status) && !Wire.TryParseStatus(filter.Status, out _))
            return AppError.Validation($"status: '{filter.Status}' is not one of pending, sending, sent, delivered, failed, cancelled, suppressed");
        if (!string.IsNullOrWhiteSpace(filter.Purpose) && !Wire.TryParsePurpose(filter.Purpose, out _))
            return AppError.Validation($"purpose: '{filter.Purpose}' is not one of transactional, marketing");
        if (filter.SortBy is not null && !SortColumns.Contains(filter.SortBy)) return AppError.Validation($"sort: '{filter.SortBy}' is not one of {string.Join(", ", SortColumns)}");
        return null;
    }

    public static readonly IReadOnlyList<string> SortColumns = ["created_at", "status", "channel", "recipient", "retry_count"];

    /// <summary>Newest first unless another column is asked for; the id breaks ties so pages never overlap.</summary>
    public static IQueryable<Message> Sorted(IQueryable<Message> q, LogFilter filter) => (filter.SortBy, filter.SortAscending) switch
    {
        ("status", false) => q.OrderByDescending(m => m.Status).ThenByDescending(m => m.Id),
        ("status", true) => q.OrderBy(m => m.Status).ThenBy(m => m.Id),
        ("channel", false) => q.OrderByDescending(m => m.Channel).ThenByDescending(m => m.Id),
        ("channel", true) => q.OrderBy(m => m.Channel).ThenBy(m => m.Id),
        ("recipient", false) => q.OrderByDescending(m => m.Recipient).ThenByDescending(m => m.Id),
        ("recipient", true) => q.OrderBy(m => m.Recipient).ThenBy(m => m.Id),
        ("retry_count", false) => q.OrderByDescending(m => m.RetryCount).ThenByDescending(m => m.Id),
        ("retry_count", true) => q.OrderBy(m => m.RetryCount).ThenBy(m => m.Id),
        (_, true) => q.OrderBy(m => m.CreatedAt).ThenBy(m => m.Id),
        _ => q.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id),
    };

    private static bool IsPush(string channel) => channel.Trim().Equals("push", StringComparison.OrdinalIgnoreCase);

    /// <summary>The caller's visible messages narrowed by a filter whose values <see cref="QueryAsync"/> has validated.</summary>
    public IQueryable<Message> Filtered(LogFilter filter, Caller caller)
    {
        var q = Visible(caller);
        if (!string.IsNullOrWhiteSpace(filter.UserId)) q = q.Where(m => m.UserId == filter.UserId);
        if (!string.IsNullOrWhiteSpace(filter.Channel))
        {
            if (Wire.TryParseChannel(filter.Channel, out var channel)) q = q.Where(m => m.Channel == channel);
            else q = q.Where(m => false); // push: a valid filter that no message matches yet
        }
        if (Wire.TryParseStatus(filter.Status, out var status)) q = q.Where(m => m.Status == status);
        if (Wire.TryParsePurpose(filter.Purpose, out var purpose)) q = q.Where(m => m.Purpose == purpose);
        if (filter.BatchId is { } batchId) q = q.Where(m => m.BatchId == batchId);
        if (filter.TemplateId is { } templateId) q = q.Where(m => m.TemplateId == templateId);
        if (filter.From is { } from) q = q.Where(m => m.CreatedAt >= from);
        if (filter.To is { } to) q = q.Where(m => m.CreatedAt < to);
        if (!string.IsNullOrWhiteSpace(filter.Recipient))
        {
            var term = filter.Recipient.Trim();
            q = q.Where(m => m.Recipient.Contains(term));
        }
        return q;
    }

    public async Task<Result<Message>> GetAsync(long id, Caller caller, CancellationToken ct)
    {
        var message = await Visible(caller).FirstOrDefaultAsync(m => m.Id == id, ct);
        return message is null ? AppError.NotFound($"no record with id {id}", CodeNoRecord) : message;
    }

    public Task<List<MessageAttempt>> AttemptsAsync(long messageId, CancellationToken ct) =>
        db.MessageAttempts.AsNoTracking().Where(a => a.MessageId == messageId).OrderBy(a => a.Id).ToListAsync(ct);

    /// <summary>Sends a failed message again (document 003): only a failed record, and only while retries remain.</summary>
    public async Task<Result<Message>> RetryAsync(long id, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden($"the {ErrorText.Term(caller.Role)} role cannot retry messages");
        if (rateLimit.TryAcquire(caller) is { } tooMany) return tooMany;
        var found = await GetAsync(id, caller, ct);
        if (!found.IsOk) return found.Error!;
        var message = found.Value!;
        if (message.Status != MessageStatus.Failed) return AppError.Conflict($"only failed records can be retried; this one is {ErrorText.Term(message.Status.ToWire())}", CodeNotFailed);
        var max = dispatchOptions.Value.MaxRetries;
        if (message.RetryCount >= max) return AppError.Conflict($"this record has been retried {message.RetryCount} times; the limit is {max}", CodeRetriesExhausted);

        if (!await ledger.RetryAsync(id, message.BatchId, message.RetryCount, clock.GetUtcNow(), ct))
            return AppError.Conflict("the record changed while it was being retried; try again", CodeNotFailed);
        dispatch.Kick(1);
        return (await GetAsync(id, caller, ct)).Value!;
    }

    /// <summary>
    /// Waits until the given messages leave pending/sending or the timeout passes, and returns them as they are then.
    /// Lets the single-send endpoints answer with the outcome, as document 003 shows, without sending in the request.
    /// </summary>
    public async Task<List<Message>> WaitForOutcomeAsync(IReadOnlyCollection<long> ids, TimeSpan timeout, CancellationToken ct)
    {
        var until = clock.GetUtcNow() + timeout;
        while (true)
        {
            var rows = await db.Messages.AsNoTracking().Where(m => ids.Contains(m.Id)).ToListAsync(ct);
            if (rows.All(m => m.Status is not (MessageStatus.Pending or MessageStatus.Sending)) || clock.GetUtcNow() >= until) return rows;
            await Task.Delay(TimeSpan.FromMilliseconds(25), clock, ct);
        }
    }
}
