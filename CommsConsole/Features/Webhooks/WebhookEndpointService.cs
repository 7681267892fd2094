using CommsConsole.Data;
using CommsConsole.Features.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Webhooks;

/// <summary>What an admin writes of an endpoint; on an update a null field is left as it is.</summary>
public sealed record WebhookEndpointInput(string? Url, IReadOnlyList<string?>? Events, string? Description, bool? Enabled);

/// <summary>An endpoint with the secret shown this once (created or rotated).</summary>
public sealed record WebhookEndpointWithSecret(WebhookEndpoint Endpoint, string Secret);

/// <summary>A delivery with its attempts, newest first.</summary>
public sealed record WebhookDeliveryView(WebhookDelivery Delivery, IReadOnlyList<WebhookAttempt> Attempts);

/// <summary>
/// A tenant's webhook endpoints, for its Admins (a SystemAdmin reaches every tenant's): register, change, enable or
/// disable, remove, rotate the secret, read the deliveries, resend one and send a test event. Another tenant's endpoint
/// answers 404 as a missing one does.
/// </summary>
public sealed class WebhookEndpointService(
    AppDbContext db,
    WebhookSecrets secrets,
    NetworkTargetGuard guard,
    WebhookSubscriptions subscriptions,
    WebhookSignal signal,
    TimeProvider clock,
    IOptions<WebhookOptions> options)
{
    public async Task<Result<WebhookEndpointWithSecret>> CreateAsync(WebhookEndpointInput input, Caller caller, CancellationToken ct)
    {
        if (!caller.IsAdmin) return Forbidden();
        var url = await CheckUrlAsync(input.Url, ct);
        if (!url.IsOk) return url.Error!;
        var events = CheckEvents(input.Events, required: true);
        if (!events.IsOk) return events.Error!;
        var description = CheckDescription(input.Description);
        if (!description.IsOk) return description.Error!;

        var now = clock.GetUtcNow();
        var secret = WebhookSecrets.NewSecret();
        var endpoint = new WebhookEndpoint
        {
            TenantId = caller.TenantId, Url = url.Value!, EventMask = events.Value, Description = description.Value, Enabled = input.Enabled ?? true,
            ProtectedSecret = secrets.Protect(secret), CreatedBy = caller.UserId, CreatedAt = now, UpdatedAt = now,
        };
        var max = options.Value.MaxEndpointsPerTenant;
        await using (var tx = await WriteTransaction.BeginAsync(db.Database, ct))
        {
            // Twenty creations at once must not all see room under the limit: on PostgreSQL they take turns per tenant
            // (SQLite's one writer already makes them).
            if (db.Database.IsNpgsql())
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"webhook-endpoints\n" + caller.TenantId}, 0))", ct);
            if (await db.WebhookEndpoints.CountAsync(e => e.TenantId == caller.TenantId, ct) >= max)
                return AppError.Conflict($"url: at most {max} webhook endpoints a tenant");
            db.WebhookEndpoints.Add(endpoint);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        subscriptions.Invalidate();
        return new WebhookEndpointWithSecret(endpoint, secret);
    }

    public async Task<Result<IReadOnlyList<WebhookEndpoint>>> ListAsync(Caller caller, CancellationToken ct)
    {
        if (!caller.IsAdmin) return Forbidden();
        var endpoints = await db.WebhookEndpoints.AsNoTracking().InReachOf(caller).OrderBy(e => e.Id).Take(options.Value.MaxEndpointsPerTenant * 4).ToListAsync(ct);
        return Result<IReadOnlyList<WebhookEndpoint>>.Ok(endpoints);
    }

    public async Task<Result<WebhookEndpoint>> GetAsync(long id, Caller caller, CancellationToken ct)
    {
        if (!caller.IsAdmin) return Forbidden();
        var endpoint = await db.WebhookEndpoints.AsNoTracking().InReachOf(caller).FirstOrDefaultAsync(e => e.Id == id, ct);
        if (endpoint is null) return NotFound(id);
        return endpoint;
    }

    public async Task<Result<WebhookEndpoint>> UpdateAsync(long id, WebhookEndpointInput input, Caller caller, CancellationToken ct)
    {
        if (!caller.IsAdmin) return Forbidden();
        var endpoint = await db.WebhookEndpoints.InReachOf(caller).FirstOrDefaultAsync(e => e.Id == id, ct);
        if (endpoint is null) return NotFound(id);
        if (input.Url is not null)
        {
            var url = await CheckUrlAsync(input.Url, ct);
            if (!url.IsOk) return url.Error!;
            endpoint.Url = url.Value!;
        }
        if (input.Events is not null)
        {
            var events = CheckEvents(input.Events, required: true);
            if (!events.IsOk) return events.Error!;
            endpoint.EventMask = events.Value;
        }
        if (input.Description is not null)
        {
            var description = CheckDescription(input.Description);
            if (!description.IsOk) return description.Error!;
            endpoint.Description = description.Value;
        }
        if (input.Enabled is { } enabled && enabled != endpoint.Enabled)
        {
            endpoint.Enabled = enabled;
            // Enabled again by an admin: the notice of why the app disabled it has been read, and failures count afresh.
            endpoint.DisabledReason = null;
            endpoint.DisabledAt = enabled ? null : clock.GetUtcNow();
            endpoint.FailingSince = null;
        }
        endpoint.UpdatedAt = clock.GetUtcNow();
        await SaveAsync(ct);
        return endpoint;
    }

    /// <summary>Removes the endpoint with its deliveries and their attempts.</summary>
    public async Task<Result<bool>> DeleteAsync(long id, Caller caller, CancellationToken ct)
    {
        if (!caller.IsAdmin) return Forbidden();
        await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        var endpoint = await db.WebhookEndpoints.InReachOf(caller).Where(e => e.Id == id).Select(e => (long?)e.Id).FirstOrDefaultAsync(ct);
        if (endpoint is null) return NotFound(id);
        await db.WebhookAttempts.Where(a => a.EndpointId == id).ExecuteDeleteAsync(ct);
        await db.WebhookDeliveries.Where(d => d.EndpointId == id).ExecuteDeleteAsync(ct);
        await db.WebhookEndpoints.Where(e => e.Id == id).ExecuteDeleteAsync(ct);
        await tx.CommitAsync(ct);
        subscriptions.Invalidate();
        return true;
    }

    /// <summary>
    /// A new secret, shown this once; the one it replaces keeps signing too (the <c>webhook-signature</c> header carries
    /// both) for <see cref="WebhookOptions.PreviousSecretHours"/>. Rotating again within that time drops the oldest.
    /// </summary>
    public async Task<Result<WebhookEndpointWithSecret>> RotateSecretAsync(long id, Caller caller, CancellationToken ct)
    {
        if (!caller.IsAdmin) return Forbidden();
        var endpoint = await db.WebhookEndpoints.InReachOf(caller).FirstOrDefaultAsync(e => e.Id == id, ct);
        if (endpoint is null) return NotFound(id);
        var now = clock.GetUtcNow();
        var secret = WebhookSecrets.NewSecret();
        endpoint.ProtectedPreviousSecret = endpoint.ProtectedSecret;
        endpoint.PreviousSecretUntil = now.AddHours(options.Value.PreviousSecretHours);
        endpoint.ProtectedSecret = secrets.Protect(secret);
        endpoint.UpdatedAt = now;
        await SaveAsync(ct);
        return new WebhookEndpointWithSecret(endpoint, secret);
    }

    /// <summary>The endpoint's deliveries, newest first, each with its attempts.</summary>
    public async Task<Result<Page<WebhookDeliveryView>>> DeliveriesAsync(long id, int page, int pageSize, Caller caller, CancellationToken ct)
    {
        if (!caller.IsAdmin) return Forbidden();
        if (!await db.WebhookEndpoints.InReachOf(caller).AnyAsync(e => e.Id == id, ct)) return NotFound(id);
        (page, pageSize) = (Math.Max(1, page), Math.Clamp(pageSize, 1, PageSizes.Max));
        var deliveries = db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == id);
        var total = await deliveries.CountAsync(ct);
        var items = await deliveries.OrderByDescending(d => d.Id).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        var ids = items.Select(d => d.Id).ToList();
        var attempts = (await db.WebhookAttempts.AsNoTracking().Where(a => ids.Contains(a.DeliveryId)).ToListAsync(ct))
            .ToLookup(a => a.DeliveryId);
        var views = items.Select(d => new WebhookDeliveryView(d, attempts[d.Id].OrderByDescending(a => a.Number).ThenByDescending(a => a.Id).ToList())).ToList();
        return new Page<WebhookDeliveryView>(views, page, pageSize, total);
    }

    /// <summary>Sends a finished delivery again now (with the same <c>webhook-id</c>, so a receiver that has it may ignore it).</summary>
    public async Task<Result<WebhookDelivery>> ResendAsync(long endpointId, long deliveryId, Caller caller, CancellationToken ct)
    {
        if (!caller.IsAdmin) return Forbidden();
        var endpoint = await db.WebhookEndpoints.AsNoTracking().InReachOf(caller).FirstOrDefaultAsync(e => e.Id == endpointId, ct);
        if (endpoint is null) return NotFound(endpointId);
        if (!endpoint.Enabled) return AppError.Conflict($"id: webhook endpoint {endpointId} is disabled; enable it first");
        var now = clock.GetUtcNow();
        var changed = await db.WebhookDeliveries
            .Where(d => d.Id == deliveryId && d.EndpointId == endpointId && d.Status != WebhookDeliveryStatus.Pending && d.Status != WebhookDeliveryStatus.Sending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, WebhookDeliveryStatus.Pending)
                .SetProperty(d => d.NextAttemptAt, now)
                .SetProperty(d => d.CompletedAt, (DateTimeOffset?)null), ct);
        var delivery = await db.WebhookDeliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deliveryId && d.EndpointId == endpointId, ct);
        if (delivery is null) return AppError.NotFound($"delivery_id: no delivery {deliveryId} of webhook endpoint {endpointId}");
        if (changed == 0) return AppError.Conflict($"delivery_id: delivery {deliveryId} is already waiting to be sent");
        signal.Kick();
        return delivery;
    }

    /// <summary>Queues a <c>webhook.test</c> event for the endpoint (enabled or not: it is how an admin checks it works).</summary>
    public async Task<Result<WebhookDelivery>> SendTestAsync(long endpointId, Caller caller, CancellationToken ct)
    {
        if (!caller.IsAdmin) return Forbidden();
        var endpoint = await db.WebhookEndpoints.AsNoTracking().InReachOf(caller).FirstOrDefaultAsync(e => e.Id == endpointId, ct);
        if (endpoint is null) return NotFound(endpointId);
        var now = clock.GetUtcNow();
        var delivery = new WebhookDelivery
        {
            EndpointId = endpoint.Id, TenantId = endpoint.TenantId, Event = WebhookEvents.Test, OccurredAt = now, NextAttemptAt = now, CreatedAt = now,
            Data = System.Text.Json.JsonSerializer.Serialize(new { endpoint_id = endpoint.Id, tenant_id = endpoint.TenantId, message = "This is a test event." }, WebhookPayloads.Json),
        };
        db.WebhookDeliveries.Add(delivery);
        await SaveAsync(ct);
        signal.Kick();
        return delivery;
    }

    private async Task SaveAsync(CancellationToken ct)
    {
        await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        subscriptions.Invalidate();
    }

    private async Task<Result<string>> CheckUrlAsync(string? raw, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(raw)) return AppError.Validation("url: required, an absolute http or https URL");
        var url = raw.Trim();
        if (url.Length > WebhookEndpoint.MaxUrl) return AppError.Validation($"url: at most {WebhookEndpoint.MaxUrl} characters");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.Host.Length == 0)
            return AppError.Validation($"url: '{Phones.Echo(url)}' is not an absolute http or https URL");
        if (uri.UserInfo.Length > 0) return AppError.Validation("url: must not carry a user name or password");
        if (await guard.WhyRefusedAsync(uri.IdnHost, ct) is { } why) return AppError.Validation($"url: refused: {why}");
        return uri.AbsoluteUri;
    }

    private static Result<int> CheckEvents(IReadOnlyList<string?>? events, bool required)
    {
        if (events is null || events.Count == 0)
        {
            if (!required) return 0;
            return AppError.Validation($"events: required, one or more of {string.Join(", ", WebhookEvents.All)}");
        }
        var mask = 0;
        for (var i = 0; i < events.Count; i++)
        {
            var name = events[i]?.Trim();
            if (name is null || !WebhookEvents.All.Contains(name))
                return AppError.Validation($"events: '{Phones.Echo(events[i] ?? "null")}' (item {i + 1}) is not an event; use one of {string.Join(", ", WebhookEvents.All)}");
            mask |= WebhookEvents.Bit(name);
        }
        return mask;
    }

    private static Result<string?> CheckDescription(string? raw)
    {
        var description = string.IsNullOrWhiteSpace(raw) ? null : raw.Trim();
        if (description?.Length > WebhookEndpoint.MaxDescription) return AppError.Validation($"description: at most {WebhookEndpoint.MaxDescription} characters");
        return description;
    }

    private static AppError Forbidden() => AppError.Forbidden("only Admins manage webhook endpoints");

    private static AppError NotFound(long id) => AppError.NotFound($"id: no webhook endpoint with id {id}");
}
