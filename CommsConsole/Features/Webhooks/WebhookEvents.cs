namespace CommsConsole.Features.Webhooks;

/// <summary>The events an endpoint may ask for, each a bit of <see cref="Data.WebhookEndpoint.EventMask"/>.</summary>
public static class WebhookEvents
{
    public const string MessageSent = "message.sent";
    public const string MessageDelivered = "message.delivered";
    public const string MessageFailed = "message.failed";
    public const string MessageSuppressed = "message.suppressed";
    public const string BatchCompleted = "batch.completed";
    public const string ContactUnsubscribed = "contact.unsubscribed";
    /// <summary>Sent by "send test event" only; no endpoint subscribes to it.</summary>
    public const string Test = "webhook.test";

    /// <summary>Every event an endpoint may subscribe to, in the order of their bits.</summary>
    public static readonly IReadOnlyList<string> All =
        [MessageSent, MessageDelivered, MessageFailed, MessageSuppressed, BatchCompleted, ContactUnsubscribed];

    public static int Bit(string name)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (All[i] == name) return 1 << i;
        }
        throw new ArgumentOutOfRangeException(nameof(name), name, "not a webhook event");
    }

    public static int MaskOf(IEnumerable<string> names) => names.Aggregate(0, (mask, n) => mask | Bit(n));

    public static IReadOnlyList<string> Names(int mask) => All.Where((_, i) => (mask & (1 << i)) != 0).ToList();

    /// <summary>The event a message's new status raises, or null for a status that raises none (pending, sending).</summary>
    public static string? ForStatus(MessageStatus status) => status switch
    {
        MessageStatus.Sent => MessageSent,
        MessageStatus.Delivered => MessageDelivered,
        MessageStatus.Failed => MessageFailed,
        MessageStatus.Suppressed => MessageSuppressed,
        _ => null,
    };
}
