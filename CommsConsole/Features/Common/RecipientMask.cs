namespace CommsConsole.Features.Common;

/// <summary>Recipients as lists show them: enough to recognise, not enough to use (138****8000, a***@example.com).</summary>
public static class RecipientMask
{
    public static string Mask(string recipient)
    {
        if (string.IsNullOrEmpty(recipient)) return "";
        var at = recipient.IndexOf('@');
        if (at > 0) return recipient[0] + "***" + recipient[at..];
        if (recipient.Length == 11) return recipient[..3] + "****" + recipient[7..];
        if (recipient.Length >= 10) return recipient[..3] + new string('*', recipient.Length - 7) + recipient[^4..];
        // Short values: show at most a quarter at each end.
        var keep = recipient.Length / 4;
        return recipient[..keep] + new string('*', recipient.Length - 2 * keep) + recipient[^keep..];
    }
}
