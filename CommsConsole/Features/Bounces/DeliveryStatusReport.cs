using System.Globalization;
using CommsConsole.Data;
using MimeKit;

namespace CommsConsole.Features.Bounces;

/// <summary>What a delivery status notification says of one recipient (RFC 3464's per-recipient fields).</summary>
public sealed record DsnRecipient(string? FinalRecipient, string? OriginalRecipient, string? Action, string? Status, string? Diagnostic)
{
    /// <summary>Hard for a permanent failure (5.x.x, or failed without a status), soft for a deferral (delayed, 4.x.x), null for a delivery or anything else.</summary>
    public BounceKind? Kind
    {
        get
        {
            var action = Action?.Trim().ToLowerInvariant();
            var statusClass = Status?.TrimStart() is { Length: > 0 } s ? s[0] : '\0';
            return action switch
            {
                "failed" => statusClass == '4' ? BounceKind.Soft : BounceKind.Hard,
                "delayed" => BounceKind.Soft,
                _ => null,
            };
        }
    }

    /// <summary>The recipient's delivery was confirmed (delivered, or relayed or expanded beyond where notifications come from).</summary>
    public bool Delivered => Action?.Trim().ToLowerInvariant() is "delivered" or "relayed" or "expanded";

    /// <summary>The addresses the report names the recipient by (the final one first), as plain addresses.</summary>
    public IEnumerable<string> Addresses => new[] { FinalRecipient, OriginalRecipient }.OfType<string>();
}

/// <summary>
/// A delivery status notification (RFC 3464: <c>multipart/report; report-type=delivery-status</c>) read with MimeKit: the
/// Message-ID of the message it reports on (from the returned message or its headers) and what it says of each recipient.
/// Anything else (ordinary mail, other reports) reads as null.
/// </summary>
public sealed record DeliveryStatusReport(string? OriginalMessageId, IReadOnlyList<DsnRecipient> Recipients)
{
    /// <summary>The most recipients read from one report; ours name one.</summary>
    public const int MaxRecipients = 50;

    public static DeliveryStatusReport? Read(MimeMessage message)
    {
        if (Find<MultipartReport>(message.Body, depth: 0) is not { } report
            || !string.Equals(report.ReportType, "delivery-status", StringComparison.OrdinalIgnoreCase)) return null;
        var status = report.OfType<MessageDeliveryStatus>().FirstOrDefault();
        if (status is null) return null;
        var returned = report.OfType<MessagePart>().FirstOrDefault();
        var recipients = status.StatusGroups.Skip(1).Take(MaxRecipients).Select(g => new DsnRecipient(
            AddressOf(g["Final-Recipient"]), AddressOf(g["Original-Recipient"]), Clean(g["Action"]), Clean(g["Status"]), Clean(g["Diagnostic-Code"])))
            .ToList();
        return new DeliveryStatusReport(returned?.Message?.MessageId, recipients);
    }

    /// <summary>
    /// The message row a Message-ID written by the SMTP provider names (<c>{id}.{random}@{domain}</c>), or null; the random
    /// part is checked against the row's stored id by whoever looks the row up.
    /// </summary>
    public static long? MessageRowId(string? messageId)
    {
        if (string.IsNullOrEmpty(messageId)) return null;
        var dot = messageId.IndexOf('.');
        if (dot <= 0 || dot > 19) return null;
        return long.TryParse(messageId.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : null;
    }

    private static T? Find<T>(MimeEntity? entity, int depth) where T : MimeEntity
    {
        if (entity is T found) return found;
        if (entity is not Multipart multipart || depth > 4) return null;
        foreach (var part in multipart)
        {
            if (Find<T>(part, depth + 1) is { } inner) return inner;
        }
        return null;
    }

    /// <summary><c>rfc822; someone@example.com</c> → <c>someone@example.com</c>.</summary>
    private static string? AddressOf(string? field)
    {
        if (Clean(field) is not { } value) return null;
        var semicolon = value.IndexOf(';');
        var address = (semicolon >= 0 ? value[(semicolon + 1)..] : value).Trim().Trim('<', '>').Trim();
        return address.Length is > 0 and <= 320 ? address : null;
    }

    private static string? Clean(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var text = string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length > 1000 ? text[..1000] : text;
    }
}
