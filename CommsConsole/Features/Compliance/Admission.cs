namespace CommsConsole.Features.Compliance;

/// <summary>What a send may go out with once the gate has admitted it: opted-out recipients (with why) and when it is due.</summary>
public sealed record Admission(IReadOnlyDictionary<string, string> Suppressed, DateTimeOffset Due);
