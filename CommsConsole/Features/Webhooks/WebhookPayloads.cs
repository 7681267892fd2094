using System.Text.Json;
using System.Text.Json.Serialization;
using CommsConsole.Data;
using CommsConsole.Features.Api;

namespace CommsConsole.Features.Webhooks;

/// <summary>
/// The body of a delivery, in the Standard Webhooks shape <c>{type, timestamp, data}</c>, snake_case as the
/// /communication family. A message event is rendered from the message's row when it is sent, with the status the event
/// reports (a <c>message.sent</c> says <c>sent</c> even when the delivery report has already arrived).
/// </summary>
public static class WebhookPayloads
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public sealed record Envelope(string Type, string Timestamp, object Data);

    /// <summary>What a message event says about its message (the ids of both API faces and document 003's business fields).</summary>
    public sealed record MessageData(
        string Id, long LogId, string TenantId, string UserId, long BatchId, string Channel, string Purpose, string Status, string Recipient,
        string? Error, string? Provider, string? ThirdPartyId, string? ThirdPartyStatus, int Segments, decimal Cost,
        string CreatedAt, string? SentAt, string? DeliveredAt, string? BizType, long? BizId, long? ReceiverId, string? ReceiverName,
        long? CampusId, string? Remark, int? TemplateId);

    public sealed record BatchData(
        long BatchId, string TenantId, string UserId, string? Name, string Channel, int Total, int Sent, int Delivered, int Failed,
        int Suppressed, int Cancelled, string CreatedAt);

    /// <summary>A message event whose message is gone (purged by retention or erased) still says which it was.</summary>
    public sealed record GoneData(string Id, long LogId, string TenantId, long? BatchId, bool Purged = true);

    public static string Render(WebhookDelivery d, Message? message, Batch? batch)
    {
        var at = ApiEnvelope.Timestamp(d.OccurredAt);
        object data = d switch
        {
            { Data: { } raw } => JsonSerializer.Deserialize<JsonElement>(raw),
            { MessageId: not null } when message is not null => Of(message, StatusOf(d.Event, message.Status)),
            { MessageId: { } id } => new GoneData("log_" + id, id, d.TenantId, d.BatchId),
            _ when batch is not null => Of(batch),
            _ => new { batch_id = d.BatchId, tenant_id = d.TenantId },
        };
        return JsonSerializer.Serialize(new Envelope(d.Event, at, data), Json);
    }

    private static string StatusOf(string eventName, MessageStatus now) => eventName switch
    {
        WebhookEvents.MessageSent => MessageStatus.Sent.ToWire(),
        WebhookEvents.MessageDelivered => MessageStatus.Delivered.ToWire(),
        WebhookEvents.MessageFailed => MessageStatus.Failed.ToWire(),
        WebhookEvents.MessageSuppressed => MessageStatus.Suppressed.ToWire(),
        _ => now.ToWire(),
    };

    private static MessageData Of(Message m, string status) => new(
        "log_" + m.Id, m.Id, m.TenantId, m.UserId, m.BatchId, m.Channel.ToWire(), m.Purpose.ToWire(), status, m.Recipient,
        m.Error, m.Provider, m.ThirdPartyId, m.ThirdPartyStatus, m.Segments, m.Cost,
        ApiEnvelope.Timestamp(m.CreatedAt), m.SentAt is { } s ? ApiEnvelope.Timestamp(s) : null,
        m.DeliveredAt is { } del ? ApiEnvelope.Timestamp(del) : null, m.BizType, m.BizId, m.ReceiverId, m.ReceiverName, m.CampusId, m.Remark, m.TemplateId);

    private static BatchData Of(Batch b) => new(
        b.Id, b.TenantId, b.UserId, b.Name, b.Channel.ToWire(), b.Total, b.Sent, b.Delivered, b.Failed, b.Suppressed, b.Cancelled,
        ApiEnvelope.Timestamp(b.CreatedAt));
}
