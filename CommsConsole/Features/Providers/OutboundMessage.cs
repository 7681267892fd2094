namespace CommsConsole.Features.Providers;

/// <summary>What a provider is given to send: ids and the rendered row, never a template.</summary>
public sealed record OutboundMessage(long Id, long BatchId, string TenantId, Channel Channel, string Recipient, string? Subject, string Content, int Segments)
{
    /// <summary>Extra email headers (List-Unsubscribe and List-Unsubscribe-Post on marketing email), set by dispatch.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>An email whose template is HTML (the message row's IsHtml); otherwise the content is sent as plain text.</summary>
    public bool IsHtml { get; init; }
}
