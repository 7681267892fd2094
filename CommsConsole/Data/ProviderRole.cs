namespace CommsConsole.Data;

/// <summary>A tenant's primary provider of a channel, or the one its messages go to while the primary is failing.</summary>
public enum ProviderRole { Primary, Fallback }
