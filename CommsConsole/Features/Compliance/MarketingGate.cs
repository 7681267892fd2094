using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Compliance;

/// <summary>
/// The law of sending, applied when a send is accepted and again when each message goes out: which purpose a send has when
/// its face does not say, what marketing carries (the opt-out hint, the postal footer, the unsubscribe link and headers),
/// who is suppressed (opt-outs), what waits out the tenant's quiet hours, and how many verification codes a number may get.
/// The faces and the send pipeline ask here; they decide none of it themselves.
/// </summary>
public sealed class MarketingGate(AppDbContext db, PolicyService policies, SuppressionService suppressions, UnsubscribeLinks unsubscribe)
{
    /// <summary>The template code of verification codes (document 003's VERIFY_CODE) and the bizType that marks them.</summary>
    public const string VerifyCodeTemplate = "VERIFY_CODE";
    public const string VerifyCodeBizType = "verify_code";

    /// <summary>
    /// Not in document 003, which stops at 1005: too many verification codes to one number (frequency cap), answered with
    /// HTTP 429. The next free number after the document's own codes.
    /// </summary>
    public const int CodeTooManyCodes = 1006;

    /// <summary>
    /// The purpose of a send whose face did not give one: a single SMS and a verification-code template are transactional;
    /// a batch, any other template, a bulk send and the console are marketing.
    /// </summary>
    public static Purpose DefaultPurpose(string source, string? templateCode) => source switch
    {
        BatchSources.SmsSend => Purpose.Transactional,
        BatchSources.SmsTemplate when IsVerifyCodeTemplate(templateCode) => Purpose.Transactional,
        _ => Purpose.Marketing,
    };

    public Task<EffectivePolicy> PolicyAsync(string tenantId, CancellationToken ct) => policies.GetAsync(tenantId, ct);

    // ---- At accept ----

    /// <summary>Why a send of this purpose cannot be accepted under the tenant's policy at all, or null.</summary>
    public static AppError? Refuse(Channel channel, Purpose purpose, EffectivePolicy policy) =>
        purpose == Purpose.Marketing && channel == Channel.Email && policy.PostalAddress is null
            ? AppError.Validation("purpose: marketing email must carry the sender's postal address in its footer, and this tenant has none; " +
                "an Admin sets it under Compliance (/settings/compliance), or send with purpose \"transactional\" if this is not marketing")
            : null;

    /// <summary>What marketing adds to a rendered text as it is accepted: the SMS opt-out hint, the email's postal footer.</summary>
    /// <param name="isHtml">Whether the email is HTML, as its template decided (<see cref="EmailFormat"/>).</param>
    public static string DecorateAtAccept(Channel channel, Purpose purpose, string content, EffectivePolicy policy, bool isHtml)
    {
        if (purpose != Purpose.Marketing) return content;
        return channel == Channel.Sms ? ComplianceText.WithOptOutHint(content, policy.SmsOptOutHint) : ComplianceText.WithPostalFooter(content, policy.PostalAddress, isHtml);
    }

    /// <summary>
    /// Admits a send's rows: refuses it when a verification code would go over its cap, marks the opted-out recipients of
    /// marketing, and moves a marketing SMS due inside the quiet hours to their end. Called while the caller holds its
    /// recipients (the message ledger's hold) when <see cref="IsVerificationCode"/>, so that
    /// sends at once to one number see each other's rows.
    /// </summary>
    /// <param name="templateId">The send's stored template, if any, and its code.</param>
    public async Task<Result<Admission>> AdmitAsync(string tenantId, Channel channel, Purpose purpose, int? templateId, string? templateCode, string? bizType,
        IReadOnlyList<string> recipients, EffectivePolicy policy, DateTimeOffset due, DateTimeOffset now, CancellationToken ct)
    {
        if (IsVerificationCode(channel, templateCode, bizType)
            && await CheckFrequencyAsync(tenantId, recipients, IsVerifyCodeTemplate(templateCode) ? templateId : null, policy, now, ct) is { } overCap)
            return overCap;
        IReadOnlyDictionary<string, string> suppressed = purpose == Purpose.Marketing
            ? await OptedOutAsync(tenantId, channel, recipients, ct)
            : new Dictionary<string, string>();
        if (HoldUntil(channel, purpose, policy, due) is { } quietEnds) due = quietEnds;
        return new Admission(suppressed, due);
    }

    /// <summary>
    /// The addresses <see cref="AdmitAsync"/> marks as opted out, as a query, for sends that write their rows inside the
    /// database (an audience): the same rule, so the two cannot disagree. Only marketing is held to it.
    /// </summary>
    public IQueryable<Suppression> OptedOut(string tenantId, Channel channel) => SuppressionService.Active(db, tenantId, channel);

    // ---- At dispatch ----

    /// <summary>
    /// Marketing is checked again as it goes out: an opt-out added since the send was accepted suppresses the message, and an
    /// SMS claimed inside the tenant's quiet hours (a retry, a schedule) is held until they end. One decision per message, in order.
    /// </summary>
    public async Task<IReadOnlyList<GateDecision>> AtDispatchAsync(string tenantId, Channel channel, IReadOnlyList<GatedMessage> messages,
        DateTimeOffset now, CancellationToken ct)
    {
        if (!messages.Any(m => m.Purpose == Purpose.Marketing)) return messages.Select(_ => GateDecision.Send).ToList();
        var policy = await policies.GetAsync(tenantId, ct);
        var optedOut = await OptedOutAsync(tenantId, channel, messages.Where(m => m.Purpose == Purpose.Marketing).Select(m => m.Recipient).ToList(), ct);
        // One moment for the whole chunk: the quiet hours are asked once, not per row.
        var holdMarketingUntil = HoldUntil(channel, Purpose.Marketing, policy, now);
        var decisions = new List<GateDecision>(messages.Count);
        foreach (var m in messages)
        {
            if (m.Purpose != Purpose.Marketing) decisions.Add(GateDecision.Send);
            else if (optedOut.TryGetValue(m.Recipient, out var why)) decisions.Add(new GateDecision(GateVerdict.Suppress, SuppressedBecause: why));
            else if (holdMarketingUntil is { } until) decisions.Add(new GateDecision(GateVerdict.Hold, HoldUntil: until));
            else decisions.Add(GateDecision.Send);
        }
        return decisions;
    }

    /// <summary>
    /// What a marketing email carries as it goes out, after its footer: its recipient's own unsubscribe link, in the body and
    /// as RFC 8058 one-click headers for the mail client. Null for anything else, which goes as accepted.
    /// </summary>
    public DispatchDecoration? DecorateAtDispatch(string tenantId, Channel channel, Purpose purpose, string recipient, string content, bool isHtml)
    {
        if (purpose != Purpose.Marketing || channel != Channel.Email) return null;
        var url = unsubscribe.Url(new UnsubscribeTarget(tenantId, channel, recipient));
        return new DispatchDecoration(ComplianceText.WithUnsubscribeLink(content, url, isHtml), new Dictionary<string, string>
        {
            ["List-Unsubscribe"] = "<" + url + ">",
            ["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click",
        });
    }

    /// <summary>A preview's marketing email as it will go out: with an unsubscribe link that unsubscribes no one.</summary>
    public string DecorateForPreview(Channel channel, Purpose purpose, string content, bool isHtml) =>
        purpose == Purpose.Marketing && channel == Channel.Email ? ComplianceText.WithUnsubscribeLink(content, unsubscribe.PreviewUrl, isHtml) : content;

    // ---- The rules both share ----

    /// <summary>When a message of this kind, due at <paramref name="at"/>, may go instead: the end of the quiet hours for marketing SMS, else null.</summary>
    private static DateTimeOffset? HoldUntil(Channel channel, Purpose purpose, EffectivePolicy policy, DateTimeOffset at) =>
        purpose == Purpose.Marketing && channel == Channel.Sms ? policy.QuietUntil(at) : null;

    /// <summary>The recipients among these who opted out of the channel, with the reason their row records.</summary>
    private async Task<Dictionary<string, string>> OptedOutAsync(string tenantId, Channel channel, IReadOnlyCollection<string> recipients, CancellationToken ct)
    {
        var found = await suppressions.FindAsync(tenantId, channel, recipients, ct);
        var reasons = new Dictionary<string, string>(found.Comparer);
        foreach (var (recipient, suppression) in found) reasons[recipient] = SuppressionService.RowError(suppression);
        return reasons;
    }

    // ---- Verification codes ----

    public static bool IsVerificationCode(Channel channel, string? templateCode, string? bizType) =>
        channel == Channel.Sms && (IsVerifyCodeTemplate(templateCode) || CanonicalBizType(bizType) == VerifyCodeBizType);

    private static bool IsVerifyCodeTemplate(string? templateCode) =>
        string.Equals(templateCode?.Trim(), VerifyCodeTemplate, StringComparison.OrdinalIgnoreCase);

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
    /// <param name="templateId">The send's template when it is the verification-code template; else the tenant's is looked up.</param>
    private async Task<AppError?> CheckFrequencyAsync(string tenantId, IReadOnlyList<string> recipients, int? templateId,
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
        var verifyTemplateId = templateId
            ?? await db.Templates.Where(t => t.TenantId == tenantId && t.Code == VerifyCodeTemplate).Select(t => (int?)t.Id).FirstOrDefaultAsync(ct);
        foreach (var chunk in recipients.Chunk(500))
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
}
