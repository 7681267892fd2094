using System.Net;
using System.Net.Sockets;

namespace CommsConsole.Tests.Infrastructure;

/// <summary>A TCP listener on a free port of 127.0.0.1: what a tenant's destination must never reach.</summary>
public sealed class LoopbackListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public LoopbackListener() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Task<TcpClient> AcceptAsync() => _listener.AcceptTcpClientAsync();

    public void AssertNothingConnected() => Assert.False(_listener.Pending(), "the listener on 127.0.0.1 received a connection");

    public void Dispose() => _listener.Stop();
}
