using System.Text.RegularExpressions;
using System.Net.Sockets;
using System.Security.Cryptography;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace CommsConsole.Features.Providers.Smtp;

/// <summary>
/// Sends email through an SMTP relay with MailKit: one connection per chunk, one message per row. A refusal of
/// one message (5xx) fails only that message permanently; 4xx replies, refused connections, socket errors and
/// timeouts are transient. Never retries: dispatch decides when to try again.
/// </summary>
public sealed partial class SmtpProvider : IMessageProvider
{
    private readonly SmtpOptions _options;
    private readonly SecureSocketOptions _security;
    private readonly MailboxAddress _from;
    private readonly string _domain;
    private readonly Func<string, int, CancellationToken, Task<Socket>>? _connect;

    /// <param name="connect">
    /// Opens the connection for a destination a tenant chose (the network target guard: resolved and checked, then
    /// connected to the checked address); MailKit then speaks SMTP and TLS over it with the host name, so the server's
    /// certificate is still checked against the name. Null for the installation's own relay, which MailKit connects to.
    /// </param>
    public SmtpProvider(SmtpOptions options, Func<string, int, CancellationToken, Task<Socket>>? connect = null)
    {
        _options = options;
        _connect = connect;
        _security = options.Security?.Trim().ToLowerInvariant() switch
        {
            "none" => SecureSocketOptions.None,
            "starttls" => SecureSocketOptions.StartTls,
            "sslonconnect" => SecureSocketOptions.SslOnConnect,
            "auto" or "" or null => SecureSocketOptions.Auto,
            var other => throw new ArgumentException($"Unknown SMTP security '{other}'; use None, StartTls, SslOnConnect or Auto", nameof(options)),
        };
        _from = new MailboxAddress(options.FromName ?? "", options.FromAddress);
        var at = options.FromAddress.LastIndexOf('@');
        _domain = at >= 0 && at < options.FromAddress.Length - 1 ? options.FromAddress[(at + 1)..] : "commsconsole.local";
    }

    public string Name => "smtp";

    public decimal UnitPrice => _options.UnitPrice;

    public bool Supports(Channel channel) => channel == Channel.Email;

    public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken ct)
    {
        var results = new List<SendResult>(messages.Count);
        using var client = new SmtpClient { Timeout = (int)TimeSpan.FromSeconds(Math.Max(1, _options.TimeoutSeconds)).TotalMilliseconds };
        try
        {
            await ConnectAsync(client, ct);
            if (!string.IsNullOrEmpty(_options.UserName))
                await client.AuthenticateAsync(_options.UserName, _options.Password ?? "", ct);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
        {
            var (kind, error) = Classify(ex, "connecting to the SMTP server");
            return messages.Select(m => new SendResult(m.Id, kind, Error: error)).ToList();
        }

        foreach (var m in messages)
        {
            if (!client.IsConnected)
            {
                results.Add(SendResult.Transient(m.Id, "the SMTP connection was lost earlier in this chunk"));
                continue;
            }
            MimeMessage mime;
            string messageId;
            try
            {
                (mime, messageId) = Build(m);
            }
            catch (ParseException ex)
            {
                results.Add(SendResult.Permanent(m.Id, $"not a valid email address: {ex.Message}"));
                continue;
            }
            try
            {
                var reply = await client.SendAsync(mime, ct);
                results.Add(new SendResult(m.Id, SendResultKind.Sent, ThirdPartyId: "<" + messageId + ">", ThirdPartyStatus: "accepted",
                    Response: reply, Cost: _options.UnitPrice));
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
            {
                var (kind, error) = Classify(ex, "sending");
                results.Add(new SendResult(m.Id, kind, Error: error, Response: ex is SmtpCommandException c ? $"{(int)c.StatusCode} {c.Message}" : null)
                {
                    Refusal = RefusalOf(ex),
                });
            }
        }

        if (client.IsConnected)
        {
            try { await client.DisconnectAsync(quit: true, ct); }
            catch (Exception ex) when (ex is not OperationCanceledException) { /* Every message already has its outcome. */ }
        }
        return results;
    }

    private async Task ConnectAsync(SmtpClient client, CancellationToken ct)
    {
        if (_connect is null)
        {
            await client.ConnectAsync(_options.Host, _options.Port, _security, ct);
            return;
        }
        Socket socket;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(TimeSpan.FromMilliseconds(client.Timeout));
            try
            {
                socket = await _connect(_options.Host, _options.Port, timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"no connection to {_options.Host}:{_options.Port} within {client.Timeout / 1000} s");
            }
        }
        try
        {
            await client.ConnectAsync(socket, _options.Host, _options.Port, _security, ct);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The MIME message of one row, with a Message-ID that names the row: &lt;{id}.{random}@{sender domain}&gt;.</summary>
    internal (MimeMessage Message, string MessageId) Build(OutboundMessage m)
    {
        var messageId = $"{m.Id}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}@{_domain}";
        var message = new MimeMessage { Subject = m.Subject ?? "", MessageId = messageId };
        message.From.Add(_from);
        message.To.Add(MailboxAddress.Parse(m.Recipient));
        foreach (var (name, value) in m.Headers ?? new Dictionary<string, string>()) message.Headers.Add(name, value);
        var body = new BodyBuilder();
        if (m.IsHtml)
        {
            body.HtmlBody = m.Content;
            body.TextBody = EmailText.FromHtml(m.Content);
        }
        else
        {
            body.TextBody = m.Content;
        }
        message.Body = body.ToMessageBody();
        return (message, messageId);
    }

    /// <summary>
    /// 5xx (including a refused recipient, RecipientNotAccepted) and bad credentials are permanent; 4xx, refused
    /// connections, socket and protocol errors and timeouts are transient.
    /// </summary>
    internal static (SendResultKind Kind, string Error) Classify(Exception ex, string doing) => ex switch
    {
        SmtpCommandException c when (int)c.StatusCode is >= 400 and < 500 =>
            (SendResultKind.TransientFailure, $"SMTP server deferred {Describe(c)} ({(int)c.StatusCode}): {c.Message}"),
        SmtpCommandException c =>
            (SendResultKind.PermanentFailure, $"SMTP server refused {Describe(c)} ({(int)c.StatusCode}): {c.Message}"),
        AuthenticationException => (SendResultKind.PermanentFailure, $"SMTP authentication failed: {ex.Message}"),
        // Retrying cannot help: the account's host has to change.
        Security.NetworkTargetRefusedException => (SendResultKind.PermanentFailure, $"SMTP host refused: {ex.Message}"),
        _ => (SendResultKind.TransientFailure, $"SMTP error while {doing}: {ex.GetType().Name}: {ex.Message}"),
    };

    /// <summary>The recipient's refusal (5xx: a hard bounce) or deferral (4xx: a soft one) when the server replied so to RCPT TO.</summary>
    internal static RecipientRefusal? RefusalOf(Exception ex)
    {
        if (ex is not SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } c) return null;
        var code = (int)c.StatusCode;
        if (code is < 400 or >= 600) return null;
        var text = c.Message ?? "";
        var enhanced = EnhancedStatus().Match(text);
        return new RecipientRefusal(code >= 500, code, enhanced.Success ? enhanced.Value : null, text);
    }

    private static string Describe(SmtpCommandException c) => c.ErrorCode switch
    {
        SmtpErrorCode.RecipientNotAccepted => $"the recipient {c.Mailbox}",
        SmtpErrorCode.SenderNotAccepted => $"the sender {c.Mailbox}",
        SmtpErrorCode.MessageNotAccepted => "the message",
        _ => "a command",
    };

    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex EnhancedStatus();
}
