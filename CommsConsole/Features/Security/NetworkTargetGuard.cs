using System.Net;
using System.Net.Sockets;
using CommsConsole.Features.Common;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Security;

/// <summary>
/// Keeps every destination a tenant configures (provider accounts, and later outbound webhooks and mailboxes) out of the
/// server's own networks. The check is made on the address actually connected to, after resolution, so a name that
/// resolves (or later re-resolves) to 127.0.0.1 is refused as the literal is; the connection goes to the checked address
/// without resolving again. The installation's own settings (from configuration) never pass through here.
/// </summary>
public sealed class NetworkTargetGuard(IOptions<NetworkTargetOptions> options)
{
    /// <summary>How long a check at save time waits for a name to resolve.</summary>
    private static readonly TimeSpan SaveTimeResolution = TimeSpan.FromSeconds(5);

    private static readonly ErrorText Private = ErrorText.Of("a private (RFC 1918) address");
    private static readonly ErrorText Documentation = ErrorText.Of("a documentation address");

    private static readonly (IPNetwork Network, ErrorText Reason)[] Refused =
    [
        (IPNetwork.Parse("0.0.0.0/8"), ErrorText.Of("an unspecified (\"this network\") address")),
        (IPNetwork.Parse("10.0.0.0/8"), Private),
        (IPNetwork.Parse("100.64.0.0/10"), ErrorText.Of("a shared carrier-grade NAT address")),
        (IPNetwork.Parse("127.0.0.0/8"), ErrorText.Of("a loopback address")),
        (IPNetwork.Parse("169.254.0.0/16"), ErrorText.Of("a link-local address")),
        (IPNetwork.Parse("172.16.0.0/12"), Private),
        (IPNetwork.Parse("192.0.0.0/24"), ErrorText.Of("a reserved protocol address")),
        (IPNetwork.Parse("192.0.2.0/24"), Documentation),
        (IPNetwork.Parse("192.168.0.0/16"), Private),
        (IPNetwork.Parse("198.18.0.0/15"), ErrorText.Of("a benchmarking address")),
        (IPNetwork.Parse("198.51.100.0/24"), Documentation),
        (IPNetwork.Parse("203.0.113.0/24"), Documentation),
        (IPNetwork.Parse("224.0.0.0/4"), ErrorText.Of("a multicast address")),
        (IPNetwork.Parse("240.0.0.0/4"), ErrorText.Of("a reserved or broadcast address")),
        (IPNetwork.Parse("::/128"), ErrorText.Of("the unspecified address")),
        (IPNetwork.Parse("::1/128"), ErrorText.Of("a loopback address")),
        (IPNetwork.Parse("::/96"), ErrorText.Of("an IPv4-compatible address")),
        (IPNetwork.Parse("64:ff9b:1::/48"), ErrorText.Of("a local-use NAT64 address")),
        (IPNetwork.Parse("100::/64"), ErrorText.Of("a discard address")),
        (IPNetwork.Parse("2001::/32"), ErrorText.Of("a Teredo address")),
        (IPNetwork.Parse("2001:db8::/32"), Documentation),
        (IPNetwork.Parse("fc00::/7"), ErrorText.Of("a unique-local address")),
        (IPNetwork.Parse("fe80::/10"), ErrorText.Of("a link-local address")),
        (IPNetwork.Parse("fec0::/10"), ErrorText.Of("a site-local address")),
        (IPNetwork.Parse("ff00::/8"), ErrorText.Of("a multicast address")),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    public bool AllowsPrivateTargets => options.Value.AllowPrivateNetworkTargets;

    /// <summary>Why a tenant may not connect to <paramref name="address"/>, or null for a public address.</summary>
    public static ErrorText? WhyRefused(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return Embedded(address.MapToIPv4());
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            if (Nat64.Contains(address)) return Embedded(new IPAddress(bytes[12..16]));
            if (SixToFour.Contains(address)) return Embedded(new IPAddress(bytes[2..6]));
        }
        foreach (var (network, reason) in Refused)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address)) return reason;
        }
        return null;

        static ErrorText? Embedded(IPAddress v4) => WhyRefused(v4) is { } reason ? ErrorText.Of($"which carries {v4}, {reason}") : null;
    }

    /// <summary>
    /// The addresses of <paramref name="host"/> (a name or an address literal); throws
    /// <see cref="NetworkTargetRefusedException"/> when any of them is refused and private targets are not allowed.
    /// </summary>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        if (!AllowsPrivateTargets)
        {
            foreach (var address in addresses)
            {
                if (WhyRefused(address) is { } reason) throw new NetworkTargetRefusedException(host, address, reason);
            }
        }
        return addresses;
    }

    /// <summary>A TCP connection to a checked address of <paramref name="host"/>.</summary>
    public async Task<Socket> ConnectAsync(string host, int port, CancellationToken ct)
    {
        var addresses = await ResolveAsync(host, ct);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, port, ct);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The handler of an HttpClient whose destinations a tenant chose: every connection goes through
    /// <see cref="ConnectAsync"/>. No proxy (it would connect on our behalf, unchecked) and no redirects.
    /// </summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        ConnectCallback = async (context, ct) =>
            new NetworkStream(await ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, ct), ownsSocket: true),
    };

    /// <summary>
    /// Why a destination being saved is refused, or null. A name that does not resolve now is let through: whatever it
    /// resolves to later is checked when the connection is made.
    /// </summary>
    public async Task<ErrorText?> WhyRefusedAsync(string host, CancellationToken ct)
    {
        if (AllowsPrivateTargets) return null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(SaveTimeResolution);
        try
        {
            await ResolveAsync(host, timeout.Token);
            return null;
        }
        catch (NetworkTargetRefusedException ex)
        {
            return ex.Why;
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return null;
        }
    }
}
