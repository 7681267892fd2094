namespace CommsConsole.Features.Compliance;

/// <summary>A message as the gate sees it at dispatch: to whom, and why it is sent.</summary>
public readonly record struct GatedMessage(string Recipient, Purpose Purpose);
