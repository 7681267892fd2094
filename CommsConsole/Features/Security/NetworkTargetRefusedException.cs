using System.Net;

namespace CommsConsole.Features.Security;

/// <summary>A destination chosen by a tenant resolved to an address inside the server's networks.</summary>
public sealed class NetworkTargetRefusedException(string host, IPAddress address, ErrorText reason)
    : Exception(Describe(host, address, reason).Message)
{
    private static ErrorText Describe(string host, IPAddress address, ErrorText reason) =>
        ErrorText.Of($"'{host}' resolves to {address}, {reason}; a tenant's destinations must be public internet addresses");

    /// <summary>The refusal in words the console can translate; <see cref="Exception.Message"/> is its English.</summary>
    public ErrorText Why { get; } = Describe(host, address, reason);

    public string Host { get; } = host;
    public IPAddress Address { get; } = address;
}
