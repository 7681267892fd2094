namespace CommsConsole.Features.Providers;

public static class ProviderKinds
{
    public const string Simulated = "simulated";
    public const string Submail = "submail";
    public const string Smtp = "smtp";

    /// <summary>The kinds that can carry a channel.</summary>
    public static IReadOnlyList<string> For(Channel channel) => channel == Channel.Sms ? [Simulated, Submail] : [Simulated, Smtp];
}
