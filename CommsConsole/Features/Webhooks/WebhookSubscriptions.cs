using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Webhooks;

/// <summary>
/// Which events any enabled endpoint wants, cached for a few seconds (<see cref="WebhookOptions.SubscriptionCacheSeconds"/>):
/// dispatch asks at every chunk, and with no endpoint registered it must cost nothing but this check. Changes made on this
/// node are seen at once; another node's within the cache's lifetime.
/// </summary>
public sealed class WebhookSubscriptions(TimeProvider clock, IOptions<WebhookOptions> options)
{
    private sealed record Snapshot(int Mask, DateTimeOffset Until);

    private Snapshot? _snapshot;

    public async Task<int> MaskAsync(AppDbContext db, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (Volatile.Read(ref _snapshot) is { } s && s.Until > now) return s.Mask;
        var masks = await db.WebhookEndpoints.AsNoTracking().Where(e => e.Enabled).Select(e => e.EventMask).Distinct().ToListAsync(ct);
        var mask = masks.Aggregate(0, (a, m) => a | m);
        Volatile.Write(ref _snapshot, new Snapshot(mask, now.AddSeconds(options.Value.SubscriptionCacheSeconds)));
        return mask;
    }

    public async Task<bool> AnyWantsAsync(AppDbContext db, string eventName, CancellationToken ct) =>
        (await MaskAsync(db, ct) & WebhookEvents.Bit(eventName)) != 0;

    /// <summary>An endpoint was added, changed or removed on this node.</summary>
    public void Invalidate() => Volatile.Write(ref _snapshot, null);
}
