namespace CommsConsole.Features.Messaging;

/// <summary>
/// The recipients of one send as they are added: each normalised for the channel (phones to their national form, email
/// addresses to lower case), refused with its reason when it is not an address, and counted as a duplicate when an earlier
/// one normalised to the same address. The send and the compose page's list both read recipients through this one type.
/// </summary>
public sealed class RecipientSet(Channel channel)
{
    private readonly HashSet<string> _seen = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Recipients given again (after normalising) and so sent once.</summary>
    public int Duplicates { get; private set; }

    /// <summary>The valid addresses of <paramref name="raw"/>, normalised, each once, in the order first given.</summary>
    public static List<string> Addresses(Channel channel, IEnumerable<string?> raw)
    {
        var set = new RecipientSet(channel);
        return raw.Select(r => set.Add(r, out _)).OfType<string>().ToList();
    }

    /// <returns>
    /// The normalised address when it is valid and new; null when it is not an address (<paramref name="error"/> says why) or
    /// repeats an earlier one (<paramref name="error"/> is null, and <see cref="Duplicates"/> counts it).
    /// </returns>
    public string? Add(string? raw, out ErrorText? error)
    {
        var ok = channel == Channel.Sms
            ? Phones.TryNormalize(raw, out var normalized, out error)
            : EmailAddresses.TryNormalize(raw, out normalized, out error);
        if (!ok) return null;
        error = null;
        if (_seen.Add(normalized!)) return normalized;
        Duplicates++;
        return null;
    }
}
