using System.Security.Cryptography;
using System.Text;
using CommsConsole.Data;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers.Submail;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Receipts;

/// <summary>One SUBHOOK event as SUBMAIL posts it (form fields or JSON).</summary>
public sealed record SubhookEvent(string? Events, string? Address, string? App, string? SendId, string? Tag, string? Timestamp,
    string? Token, string? Signature, string? Report, string? Content);

public enum SubhookOutcome { Applied, AlreadyApplied, UnknownSendId, Ignored, DuplicateDelivery, Replayed }

/// <summary>
/// Delivery reports from SUBMAIL (SUBHOOK): verified by signature, then applied to the message whose third-party id
/// they name. Applying is idempotent: a report only moves a message out of <c>sent</c>, so the same event twice
/// changes nothing the second time. The signature covers only the token, so an event is also refused when its timestamp
/// is outside the replay window, and each token is taken once (<see cref="SeenWebhookToken"/>).
/// </summary>
public sealed class SubhookReceiver(AppDbContext db, MessageLedger ledger, IOptions<SubmailOptions> options, Providers.ProviderSettingsService accounts,
    Compliance.InboundReplies replies, TimeProvider clock, ILogger<SubhookReceiver> logger)
{
    /// <summary>Signed with the installation's SUBHOOK key.</summary>
    public bool IsAuthentic(SubhookEvent e) => IsSignedWith(e, options.Value.SubhookKey);

    /// <summary>Signed with the SUBHOOK key of one of the tenant's SUBMAIL accounts.</summary>
    public async Task<bool> IsAuthenticForTenantAsync(SubhookEvent e, string tenantId, CancellationToken ct) =>
        (await accounts.SubhookKeysAsync(tenantId, ct)).Any(key => IsSignedWith(e, key));

    private static bool IsSignedWith(SubhookEvent e, string? key)
    {
        if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(e.Token) || string.IsNullOrEmpty(e.Signature)) return false;
        var expected = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(e.Token + key)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(e.Signature.Trim().ToLowerInvariant()));
    }

    /// <summary>Why a verified event is refused as too old or too far ahead to be anything but a replay, or null.</summary>
    public AppError? CheckTimestamp(SubhookEvent e)
    {
        var window = options.Value.SubhookReplayWindowSeconds;
        if (!long.TryParse(e.Timestamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var unix))
            return AppError.Validation("timestamp: required, as UNIX seconds");
        var skew = clock.GetUtcNow().ToUnixTimeSeconds() - unix;
        if (skew > window || skew < -window)
            return AppError.Validation($"timestamp: the event is dated {Math.Abs(skew)} s from now; events more than {window} s away are refused as replays");
        return null;
    }

    /// <summary>
    /// Takes the event's token and applies the event in one transaction: a token taken before is not applied again,
    /// acknowledged as a duplicate delivery when it came with the same event, refused as a replay when with another.
    /// The token's insert-if-absent on its key is what makes two concurrent deliveries apply once.
    /// </summary>
    public async Task<SubhookOutcome> ApplyOnceAsync(SubhookEvent e, string? tenantId, CancellationToken ct)
    {
        var scope = tenantId ?? "";
        var token = e.Token!.Trim();
        var hash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(e with { Signature = null })));
        var now = clock.GetUtcNow().UtcTicks;
        await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
        var taken = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "SeenWebhookTokens" ("Scope","Token","EventHash","SeenAt") VALUES ({scope},{token},{hash},{now})
            ON CONFLICT ("Scope","Token") DO NOTHING
            """, ct);
        if (taken == 0)
        {
            var seen = await db.SeenWebhookTokens.AsNoTracking().Where(t => t.Scope == scope && t.Token == token).Select(t => t.EventHash).FirstOrDefaultAsync(ct);
            logger.LogWarning("SUBHOOK token seen before: {Outcome}", seen == hash ? "duplicate delivery" : "replay refused");
            return seen == hash ? SubhookOutcome.DuplicateDelivery : SubhookOutcome.Replayed;
        }
        var outcome = await ApplyAsync(e, ct, tenantId);
        await tx.CommitAsync(ct);
        return outcome;
    }

    /// <summary>Applies a verified event; with <paramref name="tenantId"/>, only to that tenant's messages.</summary>
    public async Task<SubhookOutcome> ApplyAsync(SubhookEvent e, CancellationToken ct, string? tenantId = null)
    {
        var kind = e.Events?.Trim().ToLowerInvariant();
        if (kind == "mo")
        {
            var fields = new Dictionary<string, string?>
            {
                ["events"] = e.Events, ["address"] = e.Address, ["app"] = e.App, ["send_id"] = e.SendId, ["tag"] = e.Tag,
                ["timestamp"] = e.Timestamp, ["content"] = e.Content,
            };
            await replies.RecordAsync(e.Address, e.Content, e.SendId, e.Timestamp, fields, tenantId, ct);
            return SubhookOutcome.Applied;
        }
        if (kind is not ("delivered" or "dropped"))
        {
            // Template events are acknowledged.
            logger.LogInformation("SUBHOOK {Event} event acknowledged for send id {SendId}", kind, e.SendId);
            return SubhookOutcome.Ignored;
        }
        if (string.IsNullOrWhiteSpace(e.SendId)) return SubhookOutcome.UnknownSendId;
        var message = await db.Messages.AsNoTracking().Where(m => m.ThirdPartyId == e.SendId && (tenantId == null || m.TenantId == tenantId))
            .Select(m => new { m.Id, m.BatchId, m.Status }).FirstOrDefaultAsync(ct);
        if (message is null) return SubhookOutcome.UnknownSendId;

        var at = long.TryParse(e.Timestamp, out var unix) ? DateTimeOffset.FromUnixTimeSeconds(unix) : clock.GetUtcNow();
        var now = clock.GetUtcNow();
        var reason = string.IsNullOrWhiteSpace(e.Report) ? "dropped by the carrier" : $"dropped by the carrier: {e.Report.Trim()}";
        var changed = kind == "delivered"
            ? await ledger.DeliveredAsync(message.Id, message.BatchId, at, now, ct)
            : await ledger.DroppedAsync(message.Id, message.BatchId, reason, now, ct);
        return changed ? SubhookOutcome.Applied : SubhookOutcome.AlreadyApplied;
    }
}
