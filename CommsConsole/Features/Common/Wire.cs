namespace CommsConsole.Features.Common;

/// <summary>The names channels, statuses and purposes have in the REST contracts, both ways.</summary>
public static class Wire
{
    public static string ToWire(this Channel channel) => channel == Channel.Sms ? "sms" : "email";
    public static string ToWire(this MessageStatus status) => status switch
    {
        MessageStatus.Pending => "pending",
        MessageStatus.Sending => "sending",
        MessageStatus.Sent => "sent",
        MessageStatus.Delivered => "delivered",
        MessageStatus.Cancelled => "cancelled",
        MessageStatus.Suppressed => "suppressed",
        _ => "failed",
    };

    public static string ToWire(this Purpose purpose) => purpose == Purpose.Marketing ? "marketing" : "transactional";

    public static bool TryParsePurpose(string? value, out Purpose purpose)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "transactional": purpose = Purpose.Transactional; return true;
            case "marketing": purpose = Purpose.Marketing; return true;
            default: purpose = default; return false;
        }
    }

    public static bool TryParseChannel(string? value, out Channel channel)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "sms": channel = Channel.Sms; return true;
            case "email": channel = Channel.Email; return true;
            default: channel = default; return false;
        }
    }

    public static bool TryParseStatus(string? value, out MessageStatus status)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "pending": status = MessageStatus.Pending; return true;
            case "sending": status = MessageStatus.Sending; return true;
            case "sent": status = MessageStatus.Sent; return true;
            case "delivered": status = MessageStatus.Delivered; return true;
            case "failed": status = MessageStatus.Failed; return true;
            case "cancelled": status = MessageStatus.Cancelled; return true;
            case "suppressed": status = MessageStatus.Suppressed; return true;
            default: status = default; return false;
        }
    }
}
