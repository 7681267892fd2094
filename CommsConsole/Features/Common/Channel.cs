namespace CommsConsole.Features.Common;

/// <summary>How a message travels.</summary>
public enum Channel { Sms, Email }
