using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MimeKit;

namespace CommsConsole.Tests.Features.Providers;

/// <summary>
/// A real SMTP server for tests: Debian's aiosmtpd run by /usr/bin/python3 with a small handler written here. It
/// saves every message it accepts as a .eml file (with the envelope in a .rcpt file beside it) and refuses one
/// recipient address with 550 and defers another with 451.
/// </summary>
public sealed class SmtpPeer : IAsyncDisposable
{
    public const string RefusedRecipient = "nobody@refused.example";
    public const string DeferredRecipient = "later@deferred.example";

    private const string Script = """
        import os, sys, uuid
        from aiosmtpd.controller import Controller

        out, port, refused, deferred = sys.argv[1], int(sys.argv[2]), sys.argv[3].lower(), sys.argv[4].lower()

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.lower() == refused:
                    return '550 5.1.1 <%s>: Recipient address rejected' % address
                if address.lower() == deferred:
                    return '451 4.7.1 <%s>: Greylisted, try again later' % address
                envelope.rcpt_tos.append(address)
                return '250 OK'

            async def handle_DATA(self, server, session, envelope):
                name = os.path.join(out, uuid.uuid4().hex)
                with open(name + '.rcpt', 'w') as f:
                    f.write(envelope.mail_from + '\n' + '\n'.join(envelope.rcpt_tos))
                with open(name + '.tmp', 'wb') as f:
                    f.write(envelope.original_content or envelope.content)
                os.rename(name + '.tmp', name + '.eml')
                return '250 Message accepted for delivery'

        controller = Controller(Handler(), hostname='127.0.0.1', port=port)
        controller.start()
        print('READY', flush=True)
        sys.stdin.read()
        controller.stop()
        """;

    private readonly Process _process;
    private readonly string _folder;

    public int Port { get; }

    private SmtpPeer(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static async Task<SmtpPeer> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("smtp-peer-").FullName;
        var script = Path.Combine(folder, "peer.py");
        await File.WriteAllTextAsync(script, Script);
        var mail = Directory.CreateDirectory(Path.Combine(folder, "mail")).FullName;
        var port = FreePort();
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { script, mail, port.ToString(), RefusedRecipient, DeferredRecipient },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        var ready = process.StandardOutput.ReadLineAsync();
        if (await Task.WhenAny(ready, Task.Delay(TimeSpan.FromSeconds(20))) != ready || await ready != "READY")
        {
            var error = process.HasExited ? await process.StandardError.ReadToEndAsync() : "no READY in 20 s";
            if (!process.HasExited) process.Kill();
            throw new InvalidOperationException($"aiosmtpd did not start: {error}");
        }
        return new SmtpPeer(process, folder, port);
    }

    /// <summary>Every message received so far, with the envelope recipients.</summary>
    public IReadOnlyList<(MimeMessage Message, string MailFrom, string[] RcptTo)> Received()
    {
        var list = new List<(MimeMessage, string, string[])>();
        foreach (var eml in Directory.GetFiles(Path.Combine(_folder, "mail"), "*.eml"))
        {
            var envelope = File.ReadAllLines(Path.ChangeExtension(eml, ".rcpt"));
            list.Add((MimeMessage.Load(eml), envelope[0], envelope[1..]));
        }
        return list;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
        _process.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
