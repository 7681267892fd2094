namespace CommsConsole.Features.Providers;

public sealed record SendResult(long MessageId, SendResultKind Kind, string? ThirdPartyId = null, string? ThirdPartyStatus = null,
    string? Response = null, string? Error = null, decimal Cost = 0m, string? Provider = null)
{
    /// <summary>Set when the receiving server refused or deferred the recipient itself (an SMTP RCPT reply): a bounce of the message.</summary>
    public RecipientRefusal? Refusal { get; init; }

    public static SendResult Transient(long id, string error, string? response = null) => new(id, SendResultKind.TransientFailure, Error: error, Response: response);
    public static SendResult Permanent(long id, string error, string? response = null) => new(id, SendResultKind.PermanentFailure, Error: error, Response: response);

    /// <summary>The most of a provider's answer (and of the error made of it) that a message keeps.</summary>
    public const int MaxResponseLength = 2_000;
    /// <summary>The most of a provider's id or status of a message that is kept.</summary>
    public const int MaxThirdPartyLength = 200;

    /// <summary>
    /// The result as it may be stored and shown in logs: whatever a provider answers (it may be anything, and a tenant
    /// chooses the provider), each text is cut to a bound.
    /// </summary>
    public SendResult Bounded() => this with
    {
        ThirdPartyId = Cut(ThirdPartyId, MaxThirdPartyLength),
        ThirdPartyStatus = Cut(ThirdPartyStatus, MaxThirdPartyLength),
        Response = Cut(Response, MaxResponseLength),
        Error = Cut(Error, MaxResponseLength),
    };

    private static string? Cut(string? text, int max)
    {
        if (text is null || text.Length <= max) return text;
        var end = max - 1;
        if (char.IsHighSurrogate(text[end - 1])) end--;
        return text[..end] + "…";
    }
}

/// <summary>
/// A recipient refused (5xx, permanent) or deferred (4xx) in the sending conversation, with the server's reply code, its
/// enhanced status code when it gave one (5.1.1) and its text.
/// </summary>
public sealed record RecipientRefusal(bool Permanent, int ReplyCode, string? EnhancedStatus, string Text);
