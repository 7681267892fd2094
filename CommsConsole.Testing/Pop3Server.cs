using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CommsConsole.Testing;

/// <summary>
/// A POP3 server (RFC 1939) on 127.0.0.1 serving the .eml files of a folder as one maildrop: USER/PASS, STAT, LIST, UIDL,
/// RETR, DELE, NOOP, RSET and QUIT (deletions take effect at QUIT, as the RFC has it), with CAPA (RFC 2449) saying so. As a
/// real server, it locks the maildrop for one signed-in session at a time and answers another -ERR [IN-USE].
/// </summary>
public sealed class Pop3Server : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _maildropLock = new(1, 1);
    private readonly Task _accepting;
    private int _retrieved, _deleted, _signIns, _refusedInUse;

    public string Folder { get; }
    public string UserName { get; }
    public string Password { get; }
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Messages sent with RETR, so far.</summary>
    public int Retrieved => Volatile.Read(ref _retrieved);
    /// <summary>Messages deleted at a QUIT, so far.</summary>
    public int Deleted => Volatile.Read(ref _deleted);
    public int SignIns => Volatile.Read(ref _signIns);
    /// <summary>Sign-ins refused because another session held the maildrop.</summary>
    public int RefusedInUse => Volatile.Read(ref _refusedInUse);

    private Pop3Server(string folder, string userName, string password)
    {
        Folder = folder;
        UserName = userName;
        Password = password;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Starts a server on a free port of 127.0.0.1, serving an empty folder of its own.</summary>
    public static Pop3Server Start(string userName = "bounces", string password = "Pop3-Passw0rd!") =>
        new(Directory.CreateTempSubdirectory("pop3-").FullName, userName, password);

    /// <summary>Puts a message in the maildrop; messages are served in the order of their names.</summary>
    public void Add(string name, string eml) => File.WriteAllText(Path.Combine(Folder, name + ".eml"), eml);

    /// <summary>The names of the messages still in the maildrop.</summary>
    public IReadOnlyList<string> Messages() =>
        Directory.GetFiles(Folder, "*.eml").Select(Path.GetFileNameWithoutExtension).OfType<string>().Order(StringComparer.Ordinal).ToList();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.Latin1, false, 1024, leaveOpen: true);
        string? user = null;
        List<string>? drop = null; // the maildrop as it was at sign-in; null while not signed in
        var deleted = new HashSet<int>();
        try
        {
            await WriteAsync(stream, "+OK POP3 test server ready");
            while (!_stop.IsCancellationRequested)
            {
                var line = await reader.ReadLineAsync(_stop.Token);
                if (line is null) return;
                if (line.Length > 255)
                {
                    await WriteAsync(stream, "-ERR line too long");
                    continue;
                }
                var parts = line.Split(' ', 2);
                var command = parts[0].ToUpperInvariant();
                var argument = parts.Length > 1 ? parts[1] : null;
                switch (command)
                {
                    case "CAPA":
                        await WriteAsync(stream, "+OK capabilities follow\r\nUSER\r\nUIDL\r\n.");
                        break;
                    case "USER" when drop is null:
                        user = argument;
                        await WriteAsync(stream, "+OK");
                        break;
                    case "PASS" when drop is null:
                        if (user != UserName || argument != Password)
                        {
                            user = null;
                            await WriteAsync(stream, "-ERR [AUTH] invalid user name or password");
                            break;
                        }
                        if (!await _maildropLock.WaitAsync(0))
                        {
                            Interlocked.Increment(ref _refusedInUse);
                            await WriteAsync(stream, "-ERR [IN-USE] maildrop already locked");
                            break;
                        }
                        Interlocked.Increment(ref _signIns);
                        drop = Directory.GetFiles(Folder, "*.eml").Order(StringComparer.Ordinal).ToList();
                        await WriteAsync(stream, $"+OK maildrop has {drop.Count} messages");
                        break;
                    case "QUIT":
                        if (drop is not null)
                        {
                            foreach (var i in deleted)
                            {
                                try
                                {
                                    File.Delete(drop[i]);
                                    Interlocked.Increment(ref _deleted);
                                }
                                catch (IOException) { }
                            }
                        }
                        await WriteAsync(stream, "+OK bye");
                        return;
                    case "STAT" when drop is not null:
                        var live = Live(drop, deleted).ToList();
                        await WriteAsync(stream, $"+OK {live.Count} {live.Sum(i => Content(drop[i]).Length)}");
                        break;
                    case "LIST" or "UIDL" when drop is not null:
                        if (argument is null)
                        {
                            var lines = Live(drop, deleted).Select(i => $"{i + 1} {Describe(command, drop[i])}");
                            await WriteAsync(stream, string.Join("\r\n", new[] { "+OK" }.Concat(lines).Append(".")));
                        }
                        else if (Index(argument, drop, deleted) is { } n) await WriteAsync(stream, $"+OK {n + 1} {Describe(command, drop[n])}");
                        else await WriteAsync(stream, "-ERR no such message");
                        break;
                    case "RETR" when drop is not null:
                        if (Index(argument, drop, deleted) is not { } r)
                        {
                            await WriteAsync(stream, "-ERR no such message");
                            break;
                        }
                        var content = Content(drop[r]);
                        Interlocked.Increment(ref _retrieved);
                        await WriteAsync(stream, $"+OK {content.Length} octets\r\n{DotStuffed(content)}.");
                        break;
                    case "DELE" when drop is not null:
                        if (Index(argument, drop, deleted) is not { } d)
                        {
                            await WriteAsync(stream, "-ERR no such message");
                            break;
                        }
                        deleted.Add(d);
                        await WriteAsync(stream, $"+OK message {d + 1} deleted");
                        break;
                    case "RSET" when drop is not null:
                        deleted.Clear();
                        await WriteAsync(stream, "+OK");
                        break;
                    case "NOOP" when drop is not null:
                        await WriteAsync(stream, "+OK");
                        break;
                    default:
                        await WriteAsync(stream, "-ERR unknown command or wrong state");
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away: nothing is deleted without its QUIT.
        }
        finally
        {
            if (drop is not null) _maildropLock.Release();
        }
    }

    /// <summary>LIST gives a message's size, UIDL its unique id (the file's name).</summary>
    private static string Describe(string command, string path) =>
        command == "LIST" ? Content(path).Length.ToString(System.Globalization.CultureInfo.InvariantCulture) : Path.GetFileNameWithoutExtension(path);

    private static IEnumerable<int> Live(List<string> drop, HashSet<int> deleted) => Enumerable.Range(0, drop.Count).Where(i => !deleted.Contains(i));

    private static int? Index(string? argument, List<string> drop, HashSet<int> deleted) =>
        int.TryParse(argument, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
        && n >= 1 && n <= drop.Count && !deleted.Contains(n - 1) ? n - 1 : null;

    /// <summary>The message with CRLF line ends, as it goes over the wire before dot-stuffing.</summary>
    private static string Content(string path)
    {
        var text = File.ReadAllText(path, Encoding.Latin1).Replace("\r\n", "\n").Replace('\r', '\n');
        if (!text.EndsWith('\n')) text += "\n";
        return text.Replace("\n", "\r\n");
    }

    private static string DotStuffed(string content) =>
        string.Concat(content.Split("\r\n").SkipLast(1).Select(l => (l.StartsWith('.') ? "." + l : l) + "\r\n"));

    private static Task WriteAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.Latin1.GetBytes(text + "\r\n")).AsTask();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _accepting; } catch (OperationCanceledException) { }
        _stop.Dispose();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
