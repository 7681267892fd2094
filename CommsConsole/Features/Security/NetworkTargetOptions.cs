namespace CommsConsole.Features.Security;

public sealed class NetworkTargetOptions
{
    public const string Section = "Security";

    /// <summary>
    /// Lets the destinations a tenant configures reach loopback, private, link-local and unique-local addresses.
    /// For tests and fakes on 127.0.0.1 only: with it, a tenant's Admin can make the server connect inside its network.
    /// </summary>
    public bool AllowPrivateNetworkTargets { get; set; }
}
