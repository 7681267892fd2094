using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace CommsConsole.Features.Bounces;

/// <summary>One message in a mailbox: its POP3 index or IMAP unique id, and the size the server gives for it.</summary>
internal readonly record struct MailboxItem(int Index, UniqueId Uid, long Size);

/// <summary>
/// A signed-in connection to a bounce mailbox, POP3 or IMAP (MailKit). Deletions take effect when it is closed (POP3's
/// QUIT, IMAP's EXPUNGE); a session dropped without closing deletes nothing, so every message is read again next time.
/// </summary>
internal abstract class MailboxSession : IAsyncDisposable
{
    public const string Pop3 = "pop3", Imap = "imap";

    public static readonly IReadOnlyList<string> Protocols = [Pop3, Imap];

    public abstract Task<int> CountAsync(CancellationToken ct);
    public abstract Task<IReadOnlyList<MailboxItem>> ListAsync(int max, CancellationToken ct);
    public abstract Task<MimeMessage> ReadAsync(MailboxItem item, CancellationToken ct);
    public abstract Task DeleteAsync(MailboxItem item, CancellationToken ct);
    public abstract Task CloseAsync(CancellationToken ct);
    public abstract ValueTask DisposeAsync();

    public static SecureSocketOptions SecurityOf(string? mode) => mode?.Trim().ToLowerInvariant() switch
    {
        "none" => SecureSocketOptions.None,
        "starttls" => SecureSocketOptions.StartTls,
        "auto" => SecureSocketOptions.Auto,
        _ => SecureSocketOptions.SslOnConnect,
    };

    /// <summary>Speaks <paramref name="protocol"/> over an open connection (already checked by the network target guard) and signs in.</summary>
    public static async Task<MailboxSession> OpenAsync(Socket socket, string protocol, string host, int port, string security, string? userName, string? password,
        int timeoutMs, CancellationToken ct)
    {
        if (protocol == Imap)
        {
            var imap = new ImapClient { Timeout = timeoutMs };
            try
            {
                await imap.ConnectAsync(socket, host, port, SecurityOf(security), ct);
                if (!string.IsNullOrEmpty(userName)) await imap.AuthenticateAsync(userName, password ?? "", ct);
                await imap.Inbox.OpenAsync(FolderAccess.ReadWrite, ct);
                return new ImapSession(imap);
            }
            catch
            {
                imap.Dispose();
                throw;
            }
        }
        var pop3 = new Pop3Client { Timeout = timeoutMs };
        try
        {
            await pop3.ConnectAsync(socket, host, port, SecurityOf(security), ct);
            if (!string.IsNullOrEmpty(userName)) await pop3.AuthenticateAsync(userName, password ?? "", ct);
            return new Pop3Session(pop3);
        }
        catch
        {
            pop3.Dispose();
            throw;
        }
    }

    private sealed class Pop3Session(Pop3Client client) : MailboxSession
    {
        public override Task<int> CountAsync(CancellationToken ct) => Task.FromResult(client.Count);

        public override async Task<IReadOnlyList<MailboxItem>> ListAsync(int max, CancellationToken ct)
        {
            if (client.Count == 0) return [];
            var sizes = await client.GetMessageSizesAsync(ct);
            return sizes.Take(max).Select((size, i) => new MailboxItem(i, UniqueId.Invalid, size)).ToList();
        }

        public override Task<MimeMessage> ReadAsync(MailboxItem item, CancellationToken ct) => client.GetMessageAsync(item.Index, ct);

        public override Task DeleteAsync(MailboxItem item, CancellationToken ct) => client.DeleteMessageAsync(item.Index, ct);

        public override Task CloseAsync(CancellationToken ct) => client.DisconnectAsync(quit: true, ct);

        public override ValueTask DisposeAsync()
        {
            client.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ImapSession(ImapClient client) : MailboxSession
    {
        public override Task<int> CountAsync(CancellationToken ct) => Task.FromResult(client.Inbox.Count);

        public override async Task<IReadOnlyList<MailboxItem>> ListAsync(int max, CancellationToken ct)
        {
            var uids = (await client.Inbox.SearchAsync(SearchQuery.NotDeleted, ct)).Take(max).ToList();
            if (uids.Count == 0) return [];
            var summaries = await client.Inbox.FetchAsync(uids, MessageSummaryItems.UniqueId | MessageSummaryItems.Size, ct);
            return summaries.Select(s => new MailboxItem(s.Index, s.UniqueId, s.Size ?? 0)).ToList();
        }

        public override Task<MimeMessage> ReadAsync(MailboxItem item, CancellationToken ct) => client.Inbox.GetMessageAsync(item.Uid, ct);

        public override Task DeleteAsync(MailboxItem item, CancellationToken ct) =>
            client.Inbox.StoreAsync(item.Uid, new StoreFlagsRequest(StoreAction.Add, MessageFlags.Deleted) { Silent = true }, ct);

        public override async Task CloseAsync(CancellationToken ct)
        {
            await client.Inbox.ExpungeAsync(ct);
            await client.DisconnectAsync(quit: true, ct);
        }

        public override ValueTask DisposeAsync()
        {
            client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
