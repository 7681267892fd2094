using System.Linq.Expressions;
using System.Text.Json;
using CommsConsole.Data;
using CommsConsole.Features.Bounces;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tracking;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Campaigns;

/// <summary>
/// What a face gives to create or change a campaign: the fields of <c>POST /communication/bulk</c> (as <see cref="BulkSendRequest"/>
/// takes them) plus its name and planned time. On a change a field left null is kept; giving any of <see cref="Recipients"/>,
/// <see cref="ListId"/> or <see cref="SegmentId"/> replaces the audience.
/// </summary>
public sealed record CampaignInput
{
    public string? Name { get; init; }
    public string? Channel { get; init; }
    public string? Content { get; init; }
    public string? Subject { get; init; }
    /// <summary><c>markdown</c> or <c>html</c>; an empty string goes back to the rule for undeclared content.</summary>
    public string? Format { get; init; }
    public string? Template { get; init; }
    public Dictionary<string, JsonElement>? Variables { get; init; }
    public string? Purpose { get; init; }
    public List<string?>? Recipients { get; init; }
    public JsonElement? ListId { get; init; }
    public JsonElement? SegmentId { get; init; }
    public DateTimeOffset? ScheduledAt { get; init; }
}

/// <summary>A campaign with the batch its send wrote (null until it starts) and what that batch has cost so far.</summary>
public sealed record CampaignView(Campaign Campaign, Batch? Batch, decimal Cost);

/// <summary>
/// A campaign's results, from its batch's messages (test sends never count): delivery, cost and opt-outs, and for email the
/// people's opens and clicks (<see cref="EngagementService"/>: unique messages and total hits, machines apart) and bounces
/// (<see cref="BounceService"/>: hard, and soft of messages that did not also bounce hard).
/// </summary>
public sealed record CampaignStats(
    int Audience, int Pending, int Sent, int Delivered, int Failed, int Suppressed, int Cancelled, decimal Cost, int Unsubscribed,
    IReadOnlyList<FailureReason> Failures, IReadOnlyList<HourCount> SendsByHour,
    EngagementCount Opened, EngagementCount Clicked, int BouncedHard, int BouncedSoft)
{
    public int Bounced => BouncedHard + BouncedSoft;
}

public sealed record FailureReason(string Reason, int Count);

/// <summary>Messages handed to the provider in one hour (UTC, the hour's start).</summary>
public sealed record HourCount(DateTimeOffset Hour, int Count);

/// <summary>
/// Campaigns: drafting, editing, testing, scheduling, starting, cancelling, duplicating and measuring them, for both faces.
/// A campaign starts through the one send pipeline (<see cref="MessagingService.SendAsync"/>, the path of
/// <c>POST /communication/bulk</c>) and keeps the batch it wrote. Who may read a campaign is <see cref="OwnedRecords.VisibleTo{T}"/>'s rule.
/// </summary>
public sealed class CampaignService(
    AppDbContext db,
    MessagingService messaging,
    SendPlanner planner,
    IAudienceResolver audiences,
    EngagementService engagement,
    BounceService bounces,
    TimeProvider clock,
    ILogger<CampaignService> logger)
{
    public const int MaxTestRecipients = 10;
    /// <summary>How far ahead a campaign may be scheduled.</summary>
    public static readonly TimeSpan MaxScheduleAhead = TimeSpan.FromDays(366);
    /// <summary>Edits that lose a race are tried again this many times before the caller is told to try again.</summary>
    private const int EditAttempts = 20;

    public IQueryable<Campaign> Visible(Caller caller) => db.Campaigns.AsNoTracking().VisibleTo(caller);

    public async Task<Result<Page<CampaignView>>> ListAsync(Caller caller, CampaignState? state, int page, int pageSize, CancellationToken ct)
    {
        if (page < 1) return AppError.Validation("page: must be 1 or more");
        if (pageSize is < 1 or > PageSizes.Max) return AppError.Validation($"page_size: must be between 1 and {PageSizes.Max}");
        if (page > int.MaxValue / pageSize) return AppError.Validation("page: too large");
        var q = Visible(caller);
        if (state is { } s) q = q.Where(c => c.State == s);
        var total = await q.CountAsync(ct);
        var items = await q.OrderByDescending(c => c.Id).Skip((page - 1) * pageSize).Take(pageSize).Select(WithoutRecipients).ToListAsync(ct);
        var views = new List<CampaignView>(items.Count);
        foreach (var c in items) views.Add(await ViewAsync(c, ct));
        return new Page<CampaignView>(views, page, pageSize, total);
    }

    /// <summary>
    /// A campaign as lists show it: everything but its pasted recipients (<see cref="Campaign.Recipients"/> null; their
    /// number is <see cref="Campaign.RecipientCount"/>), which can be tens of thousands per campaign.
    /// </summary>
    internal static readonly Expression<Func<Campaign, Campaign>> WithoutRecipients = c => new Campaign
    {
        Id = c.Id, TenantId = c.TenantId, UserId = c.UserId, Name = c.Name, Channel = c.Channel, Purpose = c.Purpose,
        TemplateCode = c.TemplateCode, Content = c.Content, Subject = c.Subject, Format = c.Format, Variables = c.Variables,
        Recipients = null, RecipientCount = c.RecipientCount, ListId = c.ListId, SegmentId = c.SegmentId,
        State = c.State, ScheduledAt = c.ScheduledAt, BatchId = c.BatchId, LastError = c.LastError, Version = c.Version,
        CreatedAt = c.CreatedAt, UpdatedAt = c.UpdatedAt, StartedAt = c.StartedAt, FinishedAt = c.FinishedAt,
    };

    public async Task<Result<CampaignView>> GetAsync(long id, Caller caller, CancellationToken ct)
    {
        var found = await FindAsync(id, caller, ct);
        return found.IsOk ? await ViewAsync(found.Value!, ct) : found.Error!;
    }

    private async Task<Result<Campaign>> FindAsync(long id, Caller caller, CancellationToken ct)
    {
        var campaign = await Visible(caller).FirstOrDefaultAsync(c => c.Id == id, ct);
        return campaign is null ? AppError.NotFound($"id: no campaign with id {id}") : campaign;
    }

    private async Task<CampaignView> ViewAsync(Campaign c, CancellationToken ct)
    {
        if (c.BatchId is not { } batchId) return new CampaignView(c, null, 0m);
        var batch = await db.Batches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == batchId, ct);
        return new CampaignView(c, batch, await CostAsync(batchId, ct));
    }

    private async Task<decimal> CostAsync(long batchId, CancellationToken ct)
    {
        // Summing a decimal column needs SQL that SQLite and PostgreSQL both run (as the dashboard sums it).
        var cost = await db.Database.SqlQuery<double>($"""
            SELECT COALESCE(SUM(CAST("Cost" AS NUMERIC)), 0) AS "Value" FROM "Messages" WHERE "BatchId" = {batchId}
            """).FirstAsync(ct);
        return Math.Round((decimal)cost, 4);
    }

    // ---- Drafting and editing ----

    public async Task<Result<Campaign>> CreateAsync(CampaignInput input, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden($"the {ErrorText.Term(caller.Role)} role cannot create campaigns");
        if (input is null) return AppError.Validation("body: a JSON object is required");
        if (string.IsNullOrWhiteSpace(input.Name)) return AppError.Validation("name: required");
        var now = clock.GetUtcNow();
        var campaign = new Campaign { TenantId = caller.TenantId, UserId = caller.UserId, Name = "", CreatedAt = now, UpdatedAt = now, State = CampaignState.Draft };
        var merged = await MergeAsync(campaign, input, now, ct);
        if (!merged.IsOk) return merged.Error!;
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Campaign {CampaignId} drafted by {UserId}", campaign.Id, caller.UserId);
        return campaign;
    }

    /// <summary>
    /// The compose page's "Save as draft": its draft as a campaign. Only valid pasted recipients are kept (the compose page shows
    /// the others); a CSV's per-recipient columns are not part of a campaign, and a time already past is not kept.
    /// </summary>
    public Task<Result<Campaign>> CreateFromComposeAsync(ComposeDraft draft, Caller caller, CancellationToken ct)
    {
        var audience = draft.Audience;
        return CreateAsync(new CampaignInput
        {
            Name = draft.Name, Channel = draft.Channel.ToWire(), Content = draft.Content ?? "", Subject = draft.Subject ?? "", Template = draft.TemplateCode ?? "",
            Format = draft.Format?.ToWire() ?? "", Purpose = draft.Purpose.ToWire(),
            Recipients = audience is null ? draft.Recipients.Valid.Select(r => r.Normalized).ToList() : null,
            ListId = audience is { Kind: AudienceKind.List } ? JsonSerializer.SerializeToElement(audience.Id) : null,
            SegmentId = audience is { Kind: AudienceKind.Segment } ? JsonSerializer.SerializeToElement(audience.Id) : null,
            ScheduledAt = draft.ScheduleAt is { } at && at > clock.GetUtcNow() ? at : null,
        }, caller, ct);
    }

    /// <summary>
    /// Changes the fields given, while the campaign is a draft or scheduled (409 otherwise). The change applies only to the
    /// version it was made from: of edits at once, each is applied whole, one after the other, never half of one.
    /// </summary>
    public async Task<Result<Campaign>> PatchAsync(long id, CampaignInput input, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden($"the {ErrorText.Term(caller.Role)} role cannot change campaigns");
        if (input is null) return AppError.Validation("body: a JSON object is required");
        for (var attempt = 0; attempt < EditAttempts; attempt++)
        {
            var found = await FindAsync(id, caller, ct);
            if (!found.IsOk) return found.Error!;
            var campaign = found.Value!;
            if (!CampaignStates.Allows(CampaignAction.Edit, campaign.State)) return NotIn(campaign, CampaignAction.Edit);
            var now = clock.GetUtcNow();
            var merged = await MergeAsync(campaign, input, now, ct);
            if (!merged.IsOk) return merged.Error!;
            var c = campaign;
            var changed = await Where(id, CampaignAction.Edit).Where(x => x.Version == c.Version).ExecuteUpdateAsync(u => u
                .SetProperty(x => x.Name, c.Name)
                .SetProperty(x => x.Channel, c.Channel)
                .SetProperty(x => x.Purpose, c.Purpose)
                .SetProperty(x => x.TemplateCode, c.TemplateCode)
                .SetProperty(x => x.Content, c.Content)
                .SetProperty(x => x.Subject, c.Subject)
                .SetProperty(x => x.Format, c.Format)
                .SetProperty(x => x.Variables, c.Variables)
                .SetProperty(x => x.Recipients, c.Recipients)
                .SetProperty(x => x.RecipientCount, c.RecipientCount)
                .SetProperty(x => x.ListId, c.ListId)
                .SetProperty(x => x.SegmentId, c.SegmentId)
                .SetProperty(x => x.ScheduledAt, c.ScheduledAt)
                .SetProperty(x => x.UpdatedAt, now)
                .SetProperty(x => x.Version, x => x.Version + 1), ct);
            if (changed == 1) return (await FindAsync(id, caller, ct)).Value!;
        }
        return AppError.Conflict("the campaign was changed by someone else meanwhile; try again");
    }

    /// <summary>Copies any campaign into a new draft of the caller's, named "… (copy)", without its schedule, batch or results.</summary>
    public async Task<Result<Campaign>> DuplicateAsync(long id, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden($"the {ErrorText.Term(caller.Role)} role cannot create campaigns");
        var found = await FindAsync(id, caller, ct);
        if (!found.IsOk) return found.Error!;
        var source = found.Value!;
        var now = clock.GetUtcNow();
        const string suffix = " (copy)";
        var name = source.Name.Length + suffix.Length <= Campaign.MaxName ? source.Name + suffix : source.Name;
        var copy = new Campaign
        {
            TenantId = caller.TenantId, UserId = caller.UserId, Name = name, Channel = source.Channel, Purpose = source.Purpose,
            TemplateCode = source.TemplateCode, Content = source.Content, Subject = source.Subject, Format = source.Format, Variables = source.Variables,
            Recipients = source.Recipients, RecipientCount = source.RecipientCount, ListId = source.ListId, SegmentId = source.SegmentId,
            State = CampaignState.Draft, CreatedAt = now, UpdatedAt = now,
        };
        db.Campaigns.Add(copy);
        await db.SaveChangesAsync(ct);
        return copy;
    }

    /// <summary>
    /// Applies <paramref name="input"/> to <paramref name="campaign"/> (not saved) if the result is a send the bulk endpoint
    /// would accept as a draft: its fields checked by the bulk send's own rules, its list or segment the tenant's own.
    /// </summary>
    private async Task<Result<Campaign>> MergeAsync(Campaign campaign, CampaignInput input, DateTimeOffset now, CancellationToken ct)
    {
        var name = input.Name is null ? campaign.Name : input.Name.Trim();
        if (name.Length == 0) return AppError.Validation("name: required");
        if (name.Length > Campaign.MaxName) return AppError.Validation($"name: at most {Campaign.MaxName} characters");
        if (name.Any(char.IsControl)) return AppError.Validation("name: must not contain control characters");
        if (input.ScheduledAt is { } at && ScheduleError(at, now) is { } late) return late;

        var bulk = campaign.Id == 0 && campaign.Content is null && campaign.TemplateCode is null && campaign.Recipients is null
                   && campaign.ListId is null && campaign.SegmentId is null
            ? new BulkSendRequest { Channel = null }
            : ToBulk(campaign);
        if (input.Channel is not null) bulk.Channel = input.Channel;
        if (input.Content is not null) bulk.Content = input.Content;
        if (input.Subject is not null) bulk.Subject = input.Subject;
        if (input.Format is not null) bulk.Format = input.Format.Length == 0 ? null : input.Format;
        if (input.Template is not null) bulk.Template = input.Template;
        if (input.Variables is not null) bulk.Variables = input.Variables;
        if (input.Purpose is not null) bulk.Purpose = input.Purpose;
        if (input.Recipients is not null || input.ListId is not null || input.SegmentId is not null)
            (bulk.Recipients, bulk.ListId, bulk.SegmentId) = (input.Recipients, input.ListId, input.SegmentId);

        var checkedRequest = await CheckAsync(bulk, campaign.TenantId, ready: false, ct);
        if (!checkedRequest.IsOk) return checkedRequest.Error!;
        var request = checkedRequest.Value!;
        campaign.Name = name;
        campaign.Channel = request.Channel;
        campaign.Purpose = request.Purpose;
        campaign.TemplateCode = Blank(request.TemplateCode);
        campaign.Content = Blank(request.Content);
        campaign.Subject = Blank(request.Subject);
        campaign.Format = request.Format;
        campaign.Variables = JsonSerializer.Serialize(request.Variables ?? new Dictionary<string, string>());
        // Kept as the send will address them (normalised, each once), so that their number is the number it sends to.
        var addresses = request.Recipients is null ? null : RecipientSet.Addresses(request.Channel, request.Recipients);
        campaign.Recipients = addresses is null ? null : JsonSerializer.Serialize(addresses);
        campaign.RecipientCount = addresses?.Count ?? 0;
        campaign.ListId = request.Audience is { Kind: AudienceKind.List } list ? list.Id : null;
        campaign.SegmentId = request.Audience is { Kind: AudienceKind.Segment } segment ? segment.Id : null;
        if (input.ScheduledAt is not null) campaign.ScheduledAt = input.ScheduledAt;
        return campaign;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>
    /// The send a campaign's fields make, checked by the bulk send's rules (<see cref="CommunicationApi.ToSendRequest"/>, then
    /// the send's own plan): as a draft (<paramref name="ready"/> false: content may still be missing) or as it must be to go.
    /// </summary>
    private async Task<Result<SendRequest>> CheckAsync(BulkSendRequest bulk, string tenantId, bool ready, CancellationToken ct)
    {
        var error = CommunicationApi.ToSendRequest(bulk, out var request);
        if (error is not null) return error;
        if (request!.Audience is { } audience)
        {
            var members = await audiences.MembersAsync(audience, tenantId, ct);
            if (!members.IsOk) return members.Error!;
            if (ready)
            {
                var plan = await planner.PlanAudienceAsync(request, tenantId, ct);
                if (!plan.IsOk) return plan.Error!;
            }
            else
            {
                var plan = await planner.PlanDraftAsync(request with { Recipients = null }, tenantId, ct);
                if (!plan.IsOk) return plan.Error!;
            }
        }
        else if (ready)
        {
            var plan = await planner.PlanAsync(request, tenantId, ct);
            if (!plan.IsOk) return plan.Error!;
        }
        else
        {
            var plan = await planner.PlanDraftAsync(request, tenantId, ct);
            if (!plan.IsOk) return plan.Error!;
        }
        return request;
    }

    /// <summary>The campaign's fields as the bulk endpoint's request, read back from what was stored.</summary>
    internal static BulkSendRequest ToBulk(Campaign c) => new()
    {
        Channel = c.Channel.ToWire(),
        Content = c.Content,
        Subject = c.Subject,
        Format = c.Format?.ToWire(),
        Template = c.TemplateCode,
        Purpose = c.Purpose?.ToWire(),
        Variables = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(c.Variables),
        Recipients = c.Recipients is null ? null : JsonSerializer.Deserialize<List<string?>>(c.Recipients),
        ListId = c.ListId is { } l ? JsonSerializer.SerializeToElement(l) : null,
        SegmentId = c.SegmentId is { } s ? JsonSerializer.SerializeToElement(s) : null,
    };

    /// <summary>The pasted recipients of a campaign (empty for a list or segment).</summary>
    public static IReadOnlyList<string> RecipientsOf(Campaign c) =>
        c.Recipients is null ? [] : (JsonSerializer.Deserialize<List<string?>>(c.Recipients) ?? []).Where(r => r is not null).Select(r => r!).ToList();

    public static IReadOnlyDictionary<string, string> VariablesOf(Campaign c) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(c.Variables) ?? new Dictionary<string, string>();

    private AppError? ScheduleError(DateTimeOffset at, DateTimeOffset now)
    {
        if (at <= now) return AppError.Validation($"scheduled_at: {ApiTime(at)} is not in the future");
        if (at > now + MaxScheduleAhead) return AppError.Validation($"scheduled_at: at most {MaxScheduleAhead.Days} days ahead");
        return null;
    }

    private static string ApiTime(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    // ---- Transitions ----

    /// <summary>The campaign <paramref name="id"/> while it is in a state <paramref name="action"/> may be taken from.</summary>
    private IQueryable<Campaign> Where(long id, CampaignAction action)
    {
        var from = CampaignStates.From(action).ToList();
        return db.Campaigns.Where(c => c.Id == id && from.Contains(c.State));
    }

    /// <summary>Why <paramref name="action"/> cannot be taken in the campaign's state (409).</summary>
    private static AppError NotIn(Campaign campaign, CampaignAction action)
    {
        var state = ErrorText.Term(campaign.State.ToWire());
        return action switch
        {
            CampaignAction.Schedule => AppError.Conflict($"the campaign is {state}; only a draft or a scheduled campaign can be scheduled"),
            CampaignAction.Start => AppError.Conflict($"the campaign is {state}; only a draft or a scheduled campaign can be sent"),
            CampaignAction.Cancel => AppError.Conflict($"the campaign is {state}; only a draft or a scheduled campaign can be cancelled"),
            _ => AppError.Conflict($"the campaign is {state}; only a draft or a scheduled campaign can be changed"),
        };
    }

    /// <summary>Schedules a draft (or reschedules a scheduled campaign) at <paramref name="at"/>, or at its planned time when null.</summary>
    public async Task<Result<Campaign>> ScheduleAsync(long id, DateTimeOffset? at, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden($"the {ErrorText.Term(caller.Role)} role cannot schedule campaigns");
        for (var attempt = 0; attempt < EditAttempts; attempt++)
        {
            var found = await FindAsync(id, caller, ct);
            if (!found.IsOk) return found.Error!;
            var campaign = found.Value!;
            if (!CampaignStates.Allows(CampaignAction.Schedule, campaign.State)) return NotIn(campaign, CampaignAction.Schedule);
            var now = clock.GetUtcNow();
            if ((at ?? campaign.ScheduledAt) is not { } when) return AppError.Validation("scheduled_at: required (the campaign has no planned time)");
            if (ScheduleError(when, now) is { } bad) return bad;
            // What would refuse the send at its time refuses the schedule now (content, audience, template).
            var ready = await CheckAsync(ToBulk(campaign), campaign.TenantId, ready: true, ct);
            if (!ready.IsOk) return ready.Error!;
            var version = campaign.Version;
            var changed = await Where(id, CampaignAction.Schedule).Where(x => x.Version == version).ExecuteUpdateAsync(u => u
                .SetProperty(x => x.State, CampaignStates.To(CampaignAction.Schedule, campaign.State))
                .SetProperty(x => x.ScheduledAt, when)
                .SetProperty(x => x.LastError, (string?)null)
                .SetProperty(x => x.UpdatedAt, now)
                .SetProperty(x => x.Version, x => x.Version + 1), ct);
            if (changed == 1) return (await FindAsync(id, caller, ct)).Value!;
        }
        return AppError.Conflict("the campaign was changed by someone else meanwhile; try again");
    }

    /// <summary>Cancels a draft or a scheduled campaign; one that has started is cancelled through its batch instead.</summary>
    public async Task<Result<Campaign>> CancelAsync(long id, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden($"the {ErrorText.Term(caller.Role)} role cannot cancel campaigns");
        var found = await FindAsync(id, caller, ct);
        if (!found.IsOk) return found.Error!;
        var now = clock.GetUtcNow();
        var changed = await Where(id, CampaignAction.Cancel).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.State, CampaignState.Cancelled)
            .SetProperty(x => x.FinishedAt, now)
            .SetProperty(x => x.UpdatedAt, now)
            .SetProperty(x => x.Version, x => x.Version + 1), ct);
        var after = (await FindAsync(id, caller, ct)).Value!;
        return changed == 1 ? after : NotIn(after, CampaignAction.Cancel);
    }

    /// <summary>
    /// Starts the campaign now: of any number of requests at once, on any node, one moves it to sending (a conditional
    /// update) and sends; the others are answered 409. A send the pipeline refuses puts the campaign back to draft with its reason.
    /// </summary>
    public async Task<Result<CampaignView>> SendNowAsync(long id, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden($"the {ErrorText.Term(caller.Role)} role cannot send campaigns");
        var found = await FindAsync(id, caller, ct);
        if (!found.IsOk) return found.Error!;
        var now = clock.GetUtcNow();
        if (!await ClaimAsync(Where(id, CampaignAction.Start), now, ct))
            return NotIn((await FindAsync(id, caller, ct)).Value!, CampaignAction.Start);
        var started = await StartClaimedAsync(id, ct);
        if (!started.IsOk) return started.Error!;
        return await GetAsync(id, caller, ct);
    }

    private static Task<int> Claim(IQueryable<Campaign> q, DateTimeOffset now, CancellationToken ct) => q.ExecuteUpdateAsync(u => u
        .SetProperty(x => x.State, CampaignState.Sending)
        .SetProperty(x => x.StartedAt, now)
        .SetProperty(x => x.LastError, (string?)null)
        .SetProperty(x => x.UpdatedAt, now)
        .SetProperty(x => x.Version, x => x.Version + 1), ct);

    private static async Task<bool> ClaimAsync(IQueryable<Campaign> q, DateTimeOffset now, CancellationToken ct) => await Claim(q, now, ct) == 1;

    /// <summary>
    /// Sends a campaign this node has just moved to sending, as its owner, through the bulk send's pipeline, and keeps the
    /// batch; a refusal puts it back to draft with the reason, a rate limit back where it was asked from (to be tried again).
    /// </summary>
    private async Task<Result<Batch>> StartClaimedAsync(long id, CancellationToken ct)
    {
        var campaign = await db.Campaigns.AsNoTracking().FirstAsync(c => c.Id == id, ct);
        var owner = await db.Users.AsNoTracking().Where(u => u.Id == campaign.UserId && u.TenantId == campaign.TenantId).Select(u => u.Role).FirstOrDefaultAsync(ct);
        Result<SendReceipt> sent;
        if (owner is null) sent = AppError.Forbidden("the campaign's owner is no longer a user of this tenant");
        else
        {
            var error = CommunicationApi.ToSendRequest(ToBulk(campaign), out var request);
            sent = error is not null
                ? error
                : await messaging.SendAsync(request! with { Source = BatchSources.Campaign, Name = campaign.Name, CampaignId = campaign.Id },
                    new Caller(campaign.UserId, campaign.TenantId, owner), ct);
        }
        var now = clock.GetUtcNow();
        if (!sent.IsOk)
        {
            var reason = sent.Error!.Message;
            if (reason.Length > Campaign.MaxError) reason = reason[..Campaign.MaxError];
            await Where(id, CampaignAction.Refuse).ExecuteUpdateAsync(u => u
                .SetProperty(x => x.State, CampaignStates.To(CampaignAction.Refuse, CampaignState.Sending))
                .SetProperty(x => x.StartedAt, (DateTimeOffset?)null)
                .SetProperty(x => x.LastError, reason)
                .SetProperty(x => x.UpdatedAt, now)
                .SetProperty(x => x.Version, x => x.Version + 1), ct);
            logger.LogWarning("Campaign {CampaignId} was refused at its start: {Reason}", id, reason);
            return sent.Error!;
        }
        var batch = sent.Value!.Batch;
        await db.Campaigns.Where(c => c.Id == id && c.State == CampaignState.Sending).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.BatchId, batch.Id)
            .SetProperty(x => x.UpdatedAt, now), ct);
        logger.LogInformation("Campaign {CampaignId} started as batch {BatchId} with {Count} messages", id, batch.Id, batch.Total);
        await FinishDoneAsync(ct);
        return batch;
    }

    // ---- The scheduler's work ----

    /// <summary>Scheduled campaigns started at a time by one sweep.</summary>
    private const int DuePerSweep = 20;

    /// <summary>
    /// Starts the scheduled campaigns that are due, each claimed by a conditional update so that a campaign is started by one
    /// node once (after a restart too: the schedule is the row, not a job), and marks sent those whose batch is done.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = await db.Campaigns.AsNoTracking().Where(c => c.State == CampaignState.Scheduled && c.ScheduledAt <= now)
            .OrderBy(c => c.ScheduledAt).Select(c => c.Id).Take(DuePerSweep).ToListAsync(ct);
        var started = 0;
        foreach (var id in due)
        {
            if (!await ClaimAsync(db.Campaigns.Where(c => c.Id == id && c.State == CampaignState.Scheduled && c.ScheduledAt <= now), now, ct)) continue;
            if ((await StartClaimedAsync(id, ct)).IsOk) started++;
        }
        await RecoverInterruptedAsync(now, ct);
        await FinishDoneAsync(ct);
        return started;
    }

    /// <summary>How long a start may take before a campaign still sending without a batch is taken for interrupted.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(30);

    /// <summary>
    /// A node that died between claiming a campaign and keeping its batch left it sending without one: the batch it wrote (if
    /// its transaction committed) is found by its campaign id and kept; without one the campaign goes back to draft, sending nothing twice.
    /// </summary>
    private async Task RecoverInterruptedAsync(DateTimeOffset now, CancellationToken ct)
    {
        var before = now - StartTimeout;
        var stuck = await db.Campaigns.AsNoTracking().Where(c => c.State == CampaignState.Sending && c.BatchId == null && c.StartedAt < before)
            .Select(c => c.Id).Take(DuePerSweep).ToListAsync(ct);
        foreach (var id in stuck)
        {
            var batchId = await db.Batches.AsNoTracking().Where(b => b.CampaignId == id && !b.IsTest).Select(b => (long?)b.Id).FirstOrDefaultAsync(ct);
            var q = db.Campaigns.Where(c => c.Id == id && c.State == CampaignState.Sending && c.BatchId == null);
            if (batchId is not null) await q.ExecuteUpdateAsync(u => u.SetProperty(x => x.BatchId, batchId).SetProperty(x => x.UpdatedAt, now), ct);
            else
            {
                await q.ExecuteUpdateAsync(u => u
                    .SetProperty(x => x.State, CampaignStates.To(CampaignAction.Refuse, CampaignState.Sending))
                    .SetProperty(x => x.LastError, "the start was interrupted before anything was written; send it again")
                    .SetProperty(x => x.UpdatedAt, now)
                    .SetProperty(x => x.Version, x => x.Version + 1), ct);
            }
        }
    }

    /// <summary>Marks sent, in one conditional update, every sending campaign whose batch has nothing left to send.</summary>
    private async Task FinishDoneAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var sending = CampaignStates.From(CampaignAction.Finish).ToList();
        var finished = await db.Campaigns
            .Where(c => sending.Contains(c.State) && c.BatchId != null
                        && db.Batches.Any(b => b.Id == c.BatchId && b.Pending == 0 && b.Sending == 0))
            .ExecuteUpdateAsync(u => u
                .SetProperty(x => x.State, CampaignState.Sent)
                .SetProperty(x => x.FinishedAt, now)
                .SetProperty(x => x.UpdatedAt, now)
                .SetProperty(x => x.Version, x => x.Version + 1), ct);
        if (finished > 0) logger.LogInformation("{Count} campaigns finished sending", finished);
    }

    // ---- Test sends ----

    /// <summary>
    /// Sends the campaign as it will go out (the same pipeline, rendering, decoration and provider) to at most
    /// <see cref="MaxTestRecipients"/> addresses, or to the caller's own phone or email, into a batch marked as its test.
    /// </summary>
    public async Task<Result<SendReceipt>> TestSendAsync(long id, IReadOnlyList<string?>? recipients, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden($"the {ErrorText.Term(caller.Role)} role cannot send campaigns");
        var found = await FindAsync(id, caller, ct);
        if (!found.IsOk) return found.Error!;
        var campaign = found.Value!;
        if (recipients is { Count: > MaxTestRecipients })
            return AppError.Validation($"recipients: {recipients.Count} given; a test send goes to at most {MaxTestRecipients}");
        if (recipients is not { Count: > 0 })
        {
            var me = await db.Users.AsNoTracking().Where(u => u.Id == caller.UserId).Select(u => new { u.Email, u.PhoneNumber }).FirstOrDefaultAsync(ct);
            var own = campaign.Channel == Channel.Sms ? me?.PhoneNumber : me?.Email;
            if (string.IsNullOrWhiteSpace(own))
            {
                return campaign.Channel == Channel.Sms
                    ? AppError.Validation("recipients: required (your account has no phone number to send the test to)")
                    : AppError.Validation("recipients: required (your account has no email address to send the test to)");
            }
            recipients = [own];
        }
        var bulk = ToBulk(campaign);
        bulk.Recipients = recipients.ToList();
        bulk.ListId = bulk.SegmentId = null;
        var error = CommunicationApi.ToSendRequest(bulk, out var request);
        if (error is not null) return error;
        return await messaging.SendAsync(request! with
        {
            Source = BatchSources.CampaignTest, Name = campaign.Name, CampaignId = campaign.Id, IsTest = true, MaxRecipients = MaxTestRecipients,
        }, caller, ct);
    }

    // ---- Results ----

    private sealed record HourRow(long Hour, long Count);

    /// <summary>
    /// The campaign's delivery results from its batch's messages: counts by status, cost, failures by reason, sends by hour,
    /// and the recipients who opted out (by link or reply) after it started. Its test sends are other batches and never count.
    /// </summary>
    public async Task<Result<CampaignStats>> StatsAsync(long id, Caller caller, CancellationToken ct)
    {
        var found = await FindAsync(id, caller, ct);
        if (!found.IsOk) return found.Error!;
        var campaign = found.Value!;
        if (campaign.BatchId is not { } batchId) return new CampaignStats(0, 0, 0, 0, 0, 0, 0, 0m, 0, [], [], EngagementCount.None, EngagementCount.None, 0, 0);
        var batch = await db.Batches.AsNoTracking().FirstAsync(b => b.Id == batchId, ct);
        var byStatus = (await db.Messages.AsNoTracking().Where(m => m.BatchId == batchId).GroupBy(m => m.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(ct)).ToDictionary(r => r.Status, r => r.Count);
        int Count(MessageStatus s) => byStatus.GetValueOrDefault(s);

        var failures = await db.Messages.AsNoTracking().Where(m => m.BatchId == batchId && m.Status == MessageStatus.Failed)
            .GroupBy(m => m.Error).Select(g => new { Reason = g.Key, Count = g.Count() }).OrderByDescending(r => r.Count).Take(20).ToListAsync(ct);
        var hours = await db.Database.SqlQuery<HourRow>($"""
            SELECT "SentAt" / {TimeSpan.TicksPerHour} AS "Hour", COUNT(*) AS "Count" FROM "Messages"
            WHERE "BatchId" = {batchId} AND "SentAt" IS NOT NULL
            GROUP BY 1 -- by position: the expression carries a parameter
            """).ToListAsync(ct);

        // Opted out by a link in, or a reply to, a message of the batch after it was written.
        var since = batch.CreatedAt;
        var unsubscribed = await db.ConsentEvents.AsNoTracking()
            .Where(e => e.TenantId == batch.TenantId && e.Channel == batch.Channel && !e.Subscribed && e.At >= since
                        && (e.Method == ConsentMethod.UnsubscribeLink || e.Method == ConsentMethod.ReplyKeyword)
                        && db.Messages.Any(m => m.BatchId == batchId && m.Recipient == e.Address))
            .Select(e => e.Address).Distinct().CountAsync(ct);

        var engaged = batch.Channel == Channel.Email ? await engagement.ForBatchAsync(batch.TenantId, batchId, ct) : null;
        var bounced = await bounces.FiguresAsync(batchId, ct);

        return new CampaignStats(
            batch.Total, Count(MessageStatus.Pending) + Count(MessageStatus.Sending), Count(MessageStatus.Sent), Count(MessageStatus.Delivered),
            Count(MessageStatus.Failed), Count(MessageStatus.Suppressed), Count(MessageStatus.Cancelled), await CostAsync(batchId, ct), unsubscribed,
            failures.Select(f => new FailureReason(f.Reason ?? "", f.Count)).ToList(),
            hours.OrderBy(h => h.Hour).Select(h => new HourCount(new DateTimeOffset(h.Hour * TimeSpan.TicksPerHour, TimeSpan.Zero), (int)h.Count)).ToList(),
            engaged?.Opened ?? EngagementCount.None, engaged?.Clicked ?? EngagementCount.None, bounced.Hard, bounced.Soft);
    }
}
