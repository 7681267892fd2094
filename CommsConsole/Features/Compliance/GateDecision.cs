namespace CommsConsole.Features.Compliance;

/// <summary>What the gate says of one message at dispatch: send it, record it as suppressed (with why), or hold it until a time.</summary>
public readonly record struct GateDecision(GateVerdict Verdict, string? SuppressedBecause = null, DateTimeOffset? HoldUntil = null)
{
    public static readonly GateDecision Send = new(GateVerdict.Send);
}
