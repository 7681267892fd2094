using CommsConsole.Data;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Dispatch;
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
    /// <summary>A list or segment to send to instead of <see cref="Recipients"/> (then null).</summary>
    public AudienceRef? Audience { get; init; }
    /// <summary>The request's own name for the recipients, used in error messages (recipients, phones, phone).</summary>
    public string RecipientField { get; init; } = "recipients";
    public int MaxRecipients { get; init; } = MessagingService.MaxBulkRecipients;
    public string? Content { get; init; }
    public string? Subject { get; init; }
    public string? TemplateCode { get; init; }
    /// <summary>The format of <see cref="Content"/> for email (a stored template keeps its own); when null, HTML if it has tags, else plain text.</summary>
    public EmailBodyFormat? Format { get; init; }
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
    /// <summary>
    /// As the face or the caller gave it; when null, the marketing gate's default for the <see cref="Source"/>
    /// (<see cref="MarketingGate.DefaultPurpose"/>). Marketing is held to opt-outs and the tenant's rules.
    /// </summary>
    public Purpose? Purpose { get; init; }
    /// <summary>Where the send came from (api-bulk, sms-send, sms-batch, sms-template, console).</summary>
    public required string Source { get; init; }
    /// <summary>The campaign's name, as the sender gave it.</summary>
    public string? Name { get; init; }
    /// <summary>Send no earlier than this (a scheduled send); now when null.</summary>
    public DateTimeOffset? NotBefore { get; init; }
    /// <summary>The campaign the send is for, kept on its batch.</summary>
    public long? CampaignId { get; init; }
    /// <summary>A campaign's test send: its batch is marked so and never counted in the campaign's results.</summary>
    public bool IsTest { get; init; }
    /// <summary>
    /// When set, the send hands it the start of dispatch to run once the caller's answer is written, so that a large answer
    /// is not written while dispatch already competes for the CPU; the send still decides whether and how much to start.
    /// The sweeper starts dispatch regardless.
    /// </summary>
    public Action<Action>? StartDispatchAfter { get; init; }
}

public sealed record SendReceipt(Batch Batch, IReadOnlyList<Message> Messages, int Duplicates)
{
    /// <summary>A send to an audience: who was written and who was not, by reason. Its <see cref="Messages"/> are not read back (there may be millions).</summary>
    public AudienceCounts? Audience { get; init; }
}

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
    SendPlanner planner,
    MarketingGate gate,
    DispatchQueue dispatch,
    TimeProvider clock,
    IOptions<DispatchOptions> dispatchOptions,
    IMemoryCache counts,
    SendRateLimit rateLimit,
    IAudienceResolver audiences,
    IDbContextFactory<AppDbContext> contexts)
{
    public const int MaxBulkRecipients = 10_000;
    public const int DefaultPageSize = PageSizes.Default;
    public const int MaxPageSize = PageSizes.Max;

    public const int CodeBadPhone = 1001;
    public const int CodeEmptyContent = 1002;
    public const int CodeNoRecord = 1003;
    public const int CodeNotFailed = 1004;
    public const int CodeRetriesExhausted = 1005;
    /// <summary>Too many verification codes to one number: see <see cref="MarketingGate.CodeTooManyCodes"/>.</summary>
    public const int CodeTooManyCodes = MarketingGate.CodeTooManyCodes;

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

        if (request.Audience is not null) return await SendToAudienceAsync(request, caller, owner, ct);
        var planned = await planner.PlanAsync(request, caller.TenantId, ct);
        if (!planned.IsOk) return planned.Error!;
        var plan = planned.Value!;
        var rows = plan.Rows;
        var recipients = rows.Select(r => r.Recipient).ToList();

        // A verification code's cap is counted and its rows written under one hold on its numbers: twenty requests at once
        // for one number see each other's rows, so no more than the cap go out.
        var verification = MarketingGate.IsVerificationCode(request.Channel, plan.Template?.Code, request.BizType);
        await using var capped = verification ? await ledger.BeginHoldingRecipientsAsync(caller.TenantId, recipients, ct) : null;
        var now = clock.GetUtcNow();
        var notBefore = request.NotBefore is { } at && at > now ? at : now;
        var admitted = await gate.AdmitAsync(caller.TenantId, request.Channel, plan.Purpose, plan.Template?.Id, plan.Template?.Code, request.BizType,
            recipients, plan.Policy, notBefore, now, ct);
        if (!admitted.IsOk) return admitted.Error!;
        var (suppressed, due) = admitted.Value!;
        if (suppressed.Count > 0)
            rows = rows.Select(r => suppressed.TryGetValue(r.Recipient, out var why) ? r with { SuppressedBecause = why } : r).ToList();
        var batch = new Batch
        {
            TenantId = caller.TenantId, UserId = owner, Channel = request.Channel, Purpose = plan.Purpose, TemplateId = plan.Template?.Id, Subject = rows[0].Subject,
            Source = request.Source, Name = string.IsNullOrWhiteSpace(request.Name) ? null : request.Name.Trim(),
            CreatedAt = now, Duplicates = plan.Duplicates, ScheduledAt = due > now ? due : null, CampaignId = request.CampaignId, IsTest = request.IsTest,
        };
        var prototype = new Message
        {
            TenantId = caller.TenantId, UserId = owner, Channel = request.Channel, Purpose = plan.Purpose, Recipient = "", Content = "", IsHtml = plan.IsHtml, Subject = rows[0].Subject,
            TemplateId = plan.Template?.Id, ReceiverName = request.ReceiverName, ReceiverId = request.ReceiverId, CampusId = request.CampusId,
            BizType = MarketingGate.CanonicalBizType(request.BizType), BizId = request.BizId, Remark = request.Remark, CreatedAt = now, NextAttemptAt = due,
        };
        var messages = await ledger.InsertBatchAsync(batch, prototype, rows, ct);
        if (capped is not null) await capped.CommitAsync(ct);
        var receipt = new SendReceipt(batch, messages, plan.Duplicates);
        if (batch.Pending == 0) return receipt;
        // Dispatch starts here and nowhere else: at the due time, or now (once the caller's answer is written, if it asked).
        if (due > now) dispatch.KickAt(due);
        else if (request.StartDispatchAfter is { } after) after(() => dispatch.Kick(messages.Count));
        else dispatch.Kick(messages.Count);
        return receipt;
    }

    /// <summary>Contacts read and rendered at a time by a send to an audience whose rows are written from the app.</summary>
    private const int AudiencePage = 2_000;

    /// <summary>
    /// A send to a list or segment. Its members stay in the database: they are counted there by reason (no address, invalid,
    /// unsubscribed), and when the content reads no contact field every pending row is written by one <c>INSERT … SELECT</c>;
    /// only the opted-out (written as suppressed with the gate's reason) pass through the app, a page at a time. Content that
    /// reads contact fields is rendered per contact, a page at a time, each page written set-wise; a contact whose text
    /// breaks a content rule refuses the whole send (one transaction, nothing written), as a bad recipient does.
    /// </summary>
    private async Task<Result<SendReceipt>> SendToAudienceAsync(SendRequest request, Caller caller, string owner, CancellationToken ct)
    {
        var audience = request.Audience!;
        // A code goes to one number under its caps; an audience is never one number.
        if (MarketingGate.IsVerificationCode(request.Channel, request.TemplateCode, request.BizType))
            return AppError.Validation($"{audience.Field}: verification codes are sent to one number at a time, not to a list or segment");
        var found = await audiences.MembersAsync(audience, caller.TenantId, ct);
        if (!found.IsOk) return found.Error!;
        var planned = await planner.PlanAudienceAsync(request, caller.TenantId, ct);
        if (!planned.IsOk) return planned.Error!;
        var plan = planned.Value!;
        var content = plan.Content;
        var tenantId = caller.TenantId;
        var channel = request.Channel;
        var marketing = content.Purpose == Purpose.Marketing;

        var members = Shape(found.Value!.Contacts, channel);
        var optedOut = gate.OptedOut(tenantId, channel);
        var valid = members.Where(ValidAddress(channel));
        // The first member with an address is enough to go on (its counts by reason are read while the rows are written);
        // an audience with none is counted here, for the refusal to say why.
        if (!await valid.AnyAsync(ct))
        {
            var none = await CountAudienceAsync(members, channel, optedOut, marketing, ct);
            if (none.Members == 0) return AppError.Validation($"{audience.Field}: it has no contacts");
            return channel == Channel.Sms
                ? AppError.Validation($"{audience.Field}: none of its {none.Members} contacts has a valid phone number ({none.NoAddress} without one, {none.Invalid} invalid)")
                : AppError.Validation($"{audience.Field}: none of its {none.Members} contacts has a valid email address ({none.NoAddress} without one, {none.Invalid} invalid)");
        }

        var now = clock.GetUtcNow();
        var notBefore = request.NotBefore is { } at && at > now ? at : now;
        var admitted = await gate.AdmitAsync(tenantId, channel, content.Purpose, content.Template?.Id, content.Template?.Code, request.BizType, [], content.Policy, notBefore, now, ct);
        if (!admitted.IsOk) return admitted.Error!;
        var due = admitted.Value!.Due;
        var batch = new Batch
        {
            TenantId = tenantId, UserId = owner, Channel = channel, Purpose = content.Purpose, TemplateId = content.Template?.Id,
            Subject = plan.Shared?.Subject ?? content.Subject?.Source, Source = request.Source, Name = string.IsNullOrWhiteSpace(request.Name) ? null : request.Name.Trim(),
            CreatedAt = now, ScheduledAt = due > now ? due : null, CampaignId = request.CampaignId, IsTest = request.IsTest,
        };
        var prototype = new Message
        {
            TenantId = tenantId, UserId = owner, Channel = channel, Purpose = content.Purpose, Recipient = "", Content = "", IsHtml = content.IsHtml,
            TemplateId = content.Template?.Id, ReceiverName = request.ReceiverName, ReceiverId = request.ReceiverId, CampusId = request.CampusId,
            BizType = MarketingGate.CanonicalBizType(request.BizType), BizId = request.BizId, Remark = request.Remark, CreatedAt = now, NextAttemptAt = due,
        };

        var checkedTexts = new Dictionary<string, int>();
        async IAsyncEnumerable<IReadOnlyList<MessageLedger.NewMessage>> Rows(IQueryable<AudienceRow> source, long batchId)
        {
            var last = 0L;
            while (true)
            {
                var page = await source.Where(r => r.ContactId > last).OrderBy(r => r.ContactId).Take(AudiencePage).ToListAsync(ct);
                if (page.Count == 0) yield break;
                last = page[^1].ContactId;
                var pageAdmitted = await gate.AdmitAsync(tenantId, channel, content.Purpose, content.Template?.Id, content.Template?.Code, request.BizType,
                    page.Select(r => r.Address!).ToList(), content.Policy, due, now, ct);
                if (!pageAdmitted.IsOk) throw new RefusedAudienceException(pageAdmitted.Error!);
                var suppressed = pageAdmitted.Value!.Suppressed;
                var rows = new List<MessageLedger.NewMessage>(page.Count);
                foreach (var r in page)
                {
                    var row = planner.RenderForContact(plan, new AudienceMember(r.ContactId, r.Address!, r.Name, r.Phone, r.Email, r.Attributes), checkedTexts);
                    if (!row.IsOk) throw new RefusedAudienceException(row.Error!);
                    rows.Add(suppressed.TryGetValue(r.Address!, out var why) ? row.Value! with { SuppressedBecause = why } : row.Value!);
                }
                yield return rows;
            }
        }

        // Counting the members by reason is a pass over all of them (a second for a million): it runs on a connection of its
        // own beside the one writing the rows, not before it. Those written (pending, suppressed) are counted by the writes.
        // On a thread of its own: Microsoft.Data.Sqlite's asynchronous calls run synchronously, so called here the count
        // would finish before the first row is written.
        var tallying = Task.Run(() => CountAudienceElsewhereAsync(found.Value!, tenantId, channel, marketing, ct), ct);
        BatchCounts written;
        try
        {
            if (!plan.Personalised)
            {
                // Fast path: every pending row in one statement; the opted-out through the gate, for their reasons. A row the
                // statement wrote is not written again should an opt-out arrive between the two (PostgreSQL reads each anew).
                var toSend = marketing ? valid.Where(r => !optedOut.Any(s => s.Address == r.Address)) : valid;
                // The opted-out members are found from the opt-out list's side (usually far shorter than the audience), paged by its
                // ids: each opt-out finds its contact by the tenant's address index, then asks the audience about that contact by id.
                var optedOutMembers = channel == Channel.Sms
                    ? optedOut.Where(s => db.Contacts.Any(c => c.TenantId == tenantId && c.Phone == s.Address && valid.Any(r => r.ContactId == c.Id)))
                    : optedOut.Where(s => db.Contacts.Any(c => c.TenantId == tenantId && c.Email == s.Address && valid.Any(r => r.ContactId == c.Id)));
                written = await ledger.InsertAudienceBatchAsync(batch, prototype, toSend.Select(r => r.Address!), plan.Shared, batchId =>
                    marketing
                        ? Rows(optedOutMembers
                            // By the recipient's index: "+ 0" keeps SQLite (which has no statistics) off the batch's index,
                            // which would read the whole batch once for every opt-out.
                            .Where(s => !db.Messages.Any(m => m.Recipient == s.Address && m.BatchId + 0 == batchId))
                            .Select(s => new AudienceRow { ContactId = s.Id, Address = s.Address }), batchId)
                        : AsyncEnumerable.Empty<IReadOnlyList<MessageLedger.NewMessage>>(), ct);
            }
            else
            {
                written = await ledger.InsertAudienceBatchAsync(batch, prototype, null, null, batchId => Rows(valid, batchId), ct);
            }
        }
        catch (RefusedAudienceException refused)
        {
            await ((Task)tallying).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return refused.Error;
        }
        catch
        {
            await ((Task)tallying).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        var counts = await tallying with { WillReceive = written.Pending, Unsubscribed = written.Suppressed };
        var receipt = new SendReceipt(batch, [], 0) { Audience = counts };
        if (batch.Pending == 0) return receipt;
        if (due > now) dispatch.KickAt(due);
        else if (request.StartDispatchAfter is { } after) after(() => dispatch.Kick(batch.Pending));
        else dispatch.Kick(batch.Pending);
        return receipt;
    }

    /// <summary>
    /// What a send to an audience would do, written nowhere: its members counted by reason, and up to
    /// <paramref name="samples"/> members who would receive it (for a preview rendered for real contacts).
    /// </summary>
    public async Task<Result<AudienceSurvey>> SurveyAudienceAsync(AudienceRef audience, Channel channel, Purpose purpose, Caller caller, int samples, CancellationToken ct,
        long? onlyContactId = null)
    {
        var found = await audiences.MembersAsync(audience, caller.TenantId, ct);
        if (!found.IsOk) return found.Error!;
        var members = Shape(found.Value!.Contacts, channel);
        var optedOut = gate.OptedOut(caller.TenantId, channel);
        var marketing = purpose == Purpose.Marketing;
        var valid = members.Where(ValidAddress(channel));
        var counts = await CountAudienceAsync(members, channel, optedOut, marketing, ct);
        var receiving = marketing ? valid.Where(r => !optedOut.Any(s => s.Address == r.Address)) : valid;
        if (onlyContactId is { } only) receiving = receiving.Where(r => r.ContactId == only);
        var sample = samples <= 0 ? [] : await receiving.OrderBy(r => r.ContactId).Take(samples).ToListAsync(ct);
        return new AudienceSurvey(counts, sample.Select(r => new AudienceMember(r.ContactId, r.Address!, r.Name, r.Phone, r.Email, r.Attributes)).ToList());
    }

    /// <summary><see cref="CountAudienceAsync"/> of <paramref name="audience"/> on a context (and connection) of its own.</summary>
    private async Task<AudienceCounts> CountAudienceElsewhereAsync(AudienceMembers audience, string tenantId, Channel channel, bool marketing, CancellationToken ct)
    {
        await using var other = await contexts.CreateDbContextAsync(ct);
        return await CountAudienceAsync(Shape(audience.On(other), channel), channel, SuppressionService.Active(other, tenantId, channel), marketing, ct);
    }

    private sealed class RefusedAudienceException(AppError error) : Exception(error.ToString())
    {
        public AppError Error { get; } = error;
    }

    /// <summary>
    /// A member of an audience with its address for the channel (null when it has none). Read in pages ordered by
    /// <see cref="ContactId"/> (an opt-out's id where the page is read from the opt-out list, for text rendered once).
    /// </summary>
    private sealed class AudienceRow
    {
        public long ContactId { get; init; }
        public string? Address { get; init; }
        public string? Name { get; init; }
        public string? Phone { get; init; }
        public string? Email { get; init; }
        public string Attributes { get; init; } = "{}";
    }

    private static IQueryable<AudienceRow> Shape(IQueryable<Contact> members, Channel channel) => channel == Channel.Sms
        ? members.Select(c => new AudienceRow { ContactId = c.Id, Address = c.Phone, Name = c.Name, Phone = c.Phone, Email = c.Email, Attributes = c.Attributes })
        : members.Select(c => new AudienceRow { ContactId = c.Id, Address = c.Email, Name = c.Name, Phone = c.Phone, Email = c.Email, Attributes = c.Attributes });

    /// <summary>
    /// An address the channel can use. Contacts keep their addresses normalised, so this only refuses what normalising
    /// could not have written (an empty text, an email without its @) should a row have been written some other way.
    /// </summary>
    private static System.Linq.Expressions.Expression<Func<AudienceRow, bool>> ValidAddress(Channel channel) => channel == Channel.Sms
        ? r => r.Address != null && r.Address != ""
        : r => r.Address != null && r.Address.Contains("@");

    /// <summary>
    /// The members counted by reason in one pass over them (a million members are read once, not once per reason). The
    /// validity rule is <see cref="ValidAddress"/>'s, written out here because it sits inside the aggregate.
    /// </summary>
    /// <param name="checkOptOuts">Marketing: the opted-out are counted as unsubscribed (a transactional send goes to them).</param>
    private static async Task<AudienceCounts> CountAudienceAsync(IQueryable<AudienceRow> members, Channel channel, IQueryable<Suppression> suppressions,
        bool checkOptOuts, CancellationToken ct)
    {
        var email = channel == Channel.Email;
        var tally = await members.GroupBy(r => 1).Select(g => new
        {
            All = g.Count(),
            NoAddress = g.Count(r => r.Address == null),
            Valid = g.Count(r => r.Address != null && (email ? r.Address.Contains("@") : r.Address != "")),
            Unsubscribed = g.Count(r => checkOptOuts && r.Address != null && (email ? r.Address.Contains("@") : r.Address != "")
                && suppressions.Any(s => s.Address == r.Address)),
        }).FirstOrDefaultAsync(ct);
        if (tally is null) return new AudienceCounts(0, 0, 0, 0, 0);
        return new AudienceCounts(tally.All, tally.Valid - tally.Unsubscribed, tally.NoAddress, tally.Unsubscribed, tally.All - tally.NoAddress - tally.Valid);
    }

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
