namespace CommsConsole.Features.Common;

/// <summary>Where a message is in its life; <see cref="Wire"/> gives the names the APIs use.</summary>
public enum MessageStatus { Pending, Sending, Sent, Delivered, Failed, Cancelled, Suppressed }

public static class MessageStatusExtensions
{
    /// <summary>
    /// Whether the message got through: handed to the provider (sent) or confirmed by it (delivered). The dashboard's
    /// "sent" figures, the status chips and document 003's "success" all count by this.
    /// </summary>
    public static bool Succeeded(this MessageStatus status) => status is MessageStatus.Sent or MessageStatus.Delivered;
}
