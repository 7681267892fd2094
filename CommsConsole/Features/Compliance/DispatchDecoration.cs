namespace CommsConsole.Features.Compliance;

/// <summary>A marketing email's body with its own unsubscribe link, and the RFC 8058 headers that go with it.</summary>
public sealed record DispatchDecoration(string Content, IReadOnlyDictionary<string, string> Headers);
