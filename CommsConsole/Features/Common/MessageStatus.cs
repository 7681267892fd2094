namespace CommsConsole.Features.Common;

/// <summary>Where a message is in its life; <see cref="Wire"/> gives the names the APIs use.</summary>
public enum MessageStatus { Pending, Sending, Sent, Delivered, Failed, Cancelled, Suppressed }
