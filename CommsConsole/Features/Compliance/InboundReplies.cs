using System.Text.Json;
using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Compliance;

/// <summary>
/// SMS replies (SUBHOOK <c>mo</c> events): each is recorded, and an unsubscribe keyword (TD, T, 退订, STOP, UNSUBSCRIBE,
/// in any case) suppresses the number for marketing SMS.
/// </summary>
public sealed class InboundReplies(AppDbContext db, SuppressionService suppressions, TimeProvider clock, ILogger<InboundReplies> logger)
{
    private static readonly string[] Keywords = ["TD", "T", "退订", "STOP", "UNSUBSCRIBE"];

    /// <summary>A reply that is nothing but a keyword (punctuation and spaces around it ignored).</summary>
    public static bool IsUnsubscribe(string? content)
    {
        var text = (content ?? "").Trim().Trim('.', '。', '!', '！', ' ', '"', '\'', '“', '”');
        return Keywords.Any(k => text.Equals(k, StringComparison.OrdinalIgnoreCase));
    }

    /// <param name="tenantId">The tenant whose SUBHOOK address received the event, when it came to a tenant's own address.</param>
    public async Task<InboundReply> RecordAsync(string? phone, string? content, string? sendId, string? timestamp,
        IReadOnlyDictionary<string, string?> fields, string? tenantId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var at = long.TryParse(timestamp, out var unix) && unix > 0 ? DateTimeOffset.FromUnixTimeSeconds(unix) : now;
        var number = Phones.TryNormalize(phone, out var normalized, out _) ? normalized : (phone ?? "").Trim();
        if (number.Length > 32) number = number[..32];

        // Which tenant a reply belongs to: the tenant whose own SUBHOOK address it came to; else the tenant of the message
        // its send id names; else the tenant that last sent an SMS to that number (an installation-wide SUBMAIL account
        // serves several tenants, and a reply answers the latest message the person received).
        tenantId ??= string.IsNullOrWhiteSpace(sendId) ? null
            : await db.Messages.AsNoTracking().Where(m => m.ThirdPartyId == sendId).Select(m => m.TenantId).FirstOrDefaultAsync(ct);
        tenantId ??= await db.Messages.AsNoTracking().Where(m => m.Recipient == number && m.Channel == Channel.Sms)
            .OrderByDescending(m => m.CreatedAt).Select(m => m.TenantId).FirstOrDefaultAsync(ct);

        var reply = new InboundReply
        {
            TenantId = tenantId, Phone = number, Content = Cut(content ?? "", 2_000), ReceivedAt = at, SendId = Cut(sendId, 128),
            Raw = Cut(JsonSerializer.Serialize(fields.Where(f => f.Key is not ("signature" or "token")).ToDictionary()), 8_000),
            Unsubscribed = IsUnsubscribe(content) && tenantId is not null && normalized is not null,
        };
        db.InboundReplies.Add(reply);
        await db.SaveChangesAsync(ct);
        if (reply.Unsubscribed)
        {
            await suppressions.AddAsync(tenantId!, Channel.Sms, normalized!, SuppressionReason.SmsReplyKeyword, Cut(content?.Trim(), 500), "SMS reply", ct);
            logger.LogInformation("SMS reply keyword suppressed a number for tenant {TenantId}", tenantId);
        }
        return reply;
    }

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(value))]
    private static string? Cut(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}
