using CommsConsole.Data;
using CommsConsole.Features.Providers;
using CommsConsole.Features.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Bounces;

/// <summary>What one read of a bounce mailbox did.</summary>
/// <param name="Looked">Messages looked at.</param>
/// <param name="Reports">Delivery status notifications among them.</param>
/// <param name="Applied">Reports about a message of the tenant, applied and deleted from the mailbox.</param>
public sealed record MailboxRead(int Looked, int Reports, int Applied);

/// <summary>
/// Reads a tenant's bounce mailbox: claims it with a lease (so that two runs, on one node or two, never read it at once),
/// connects only where the network target guard allows, and applies each delivery status notification that names one of
/// the tenant's messages (by the Message-ID the SMTP provider wrote, its recipient and the tenant) before deleting it.
/// Other mail, and reports about messages that are not the tenant's, are left in the mailbox untouched.
/// </summary>
public sealed class BounceMailboxReader(AppDbContext db, BounceRecorder recorder, NetworkTargetGuard guard, ProviderAccountFactory secrets,
    IOptions<BounceOptions> options, TimeProvider clock, ILogger<BounceMailboxReader> logger)
{
    /// <summary>
    /// Reads the tenant's mailbox if it is enabled and no other run holds it. Answers null when there was nothing to read
    /// or another run holds it; an error (unreachable, refused, bad password) is recorded on the settings and returned.
    /// </summary>
    public async Task<Result<MailboxRead?>> ReadAsync(string tenantId, CancellationToken ct)
    {
        var o = options.Value;
        var lease = Guid.NewGuid().ToString("N");
        var now = clock.GetUtcNow();
        var until = now.AddSeconds(Math.Max(10, o.LeaseSeconds));
        int claimed;
        await using (var tx = await WriteTransaction.BeginBackgroundAsync(db.Database, ct))
        {
            claimed = await db.BounceSettings
                .Where(s => s.TenantId == tenantId && s.Enabled && s.Host != null && (s.LeaseUntil == null || s.LeaseUntil < now))
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.LeaseId, lease).SetProperty(s => s.LeaseUntil, until), ct);
            await tx.CommitAsync(ct);
        }
        if (claimed == 0) return Result<MailboxRead?>.Ok(null);

        var settings = await db.BounceSettings.AsNoTracking().FirstAsync(s => s.TenantId == tenantId, ct);
        Result<MailboxRead?> result;
        try
        {
            result = await ReadClaimedAsync(settings, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Reading the bounce mailbox of tenant {TenantId} failed", tenantId);
            result = new AppError(ErrorKind.Unprocessable, Describe(ex));
        }
        var at = clock.GetUtcNow();
        var error = result.IsOk ? null : Cut(result.Error!.Message, BounceSettings.MaxError);
        await using (var tx = await WriteTransaction.BeginBackgroundAsync(db.Database, CancellationToken.None))
        {
            var mine = db.BounceSettings.Where(s => s.TenantId == tenantId && s.LeaseId == lease);
            if (error is null)
                await mine.ExecuteUpdateAsync(u => u
                    .SetProperty(s => s.LeaseId, (string?)null)
                    .SetProperty(s => s.LeaseUntil, (DateTimeOffset?)null)
                    .SetProperty(s => s.LastReadAt, at)
                    .SetProperty(s => s.LastError, (string?)null), CancellationToken.None);
            else
                await mine.ExecuteUpdateAsync(u => u
                    .SetProperty(s => s.LeaseId, (string?)null)
                    .SetProperty(s => s.LeaseUntil, (DateTimeOffset?)null)
                    .SetProperty(s => s.LastError, error)
                    .SetProperty(s => s.LastErrorAt, at), CancellationToken.None);
            await tx.CommitAsync(CancellationToken.None);
        }
        return result;
    }

    /// <summary>Connects to the tenant's saved mailbox and signs in, reading nothing: how many messages wait there.</summary>
    public async Task<Result<int>> TestAsync(BounceSettings settings, CancellationToken ct)
    {
        try
        {
            await using var session = await OpenAsync(settings, ct);
            var count = await session.CountAsync(ct);
            await session.CloseAsync(ct);
            return count;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return new AppError(ErrorKind.Unprocessable, Describe(ex));
        }
    }

    private async Task<MailboxRead> ReadClaimedAsync(BounceSettings settings, CancellationToken ct)
    {
        var o = options.Value;
        await using var session = await OpenAsync(settings, ct);
        var items = await session.ListAsync(Math.Max(1, o.MaxMessagesPerRead), ct);
        var (reports, applied) = (0, 0);
        foreach (var item in items)
        {
            // A delivery status notification is a few kilobytes; anything much larger is someone else's mail.
            if (item.Size > o.MaxMessageBytes) continue;
            using var message = await session.ReadAsync(item, ct);
            if (DeliveryStatusReport.Read(message) is not { } report) continue;
            reports++;
            if (!await ApplyAsync(settings.TenantId, report, ct)) continue;
            await session.DeleteAsync(item, ct);
            applied++;
        }
        await session.CloseAsync(ct);
        if (reports > 0) logger.LogInformation("Bounce mailbox of tenant {TenantId}: {Reports} reports, {Applied} applied", settings.TenantId, reports, applied);
        return new MailboxRead(items.Count, reports, applied);
    }

    /// <summary>Applies what the report says of each recipient; true when it was about one of the tenant's messages.</summary>
    private async Task<bool> ApplyAsync(string tenantId, DeliveryStatusReport report, CancellationToken ct)
    {
        if (DeliveryStatusReport.MessageRowId(report.OriginalMessageId) is not { } rowId) return false;
        var applied = false;
        foreach (var r in report.Recipients)
        {
            foreach (var address in r.Addresses)
            {
                BounceOutcome outcome;
                if (r.Delivered) outcome = await recorder.DeliveredAsync(tenantId, rowId, address, report.OriginalMessageId, ct);
                else if (r.Kind is { } kind)
                    outcome = await recorder.RecordAsync(new BounceReport(tenantId, rowId, address, kind, r.Status, r.Diagnostic ?? r.Action,
                        BounceSource.Mailbox, report.OriginalMessageId), ct);
                else break;
                if (outcome == BounceOutcome.NotOurs) continue;
                applied = true;
                break;
            }
        }
        return applied;
    }

    private async Task<MailboxSession> OpenAsync(BounceSettings s, CancellationToken ct)
    {
        var timeoutMs = (int)TimeSpan.FromSeconds(Math.Clamp(options.Value.TimeoutSeconds, 1, 300)).TotalMilliseconds;
        var password = secrets.Unprotect(s.ProtectedPassword).Password;
        System.Net.Sockets.Socket socket;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(timeoutMs);
            try
            {
                socket = await guard.ConnectAsync(s.Host!, s.Port, timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"no connection to {s.Host}:{s.Port} within {timeoutMs / 1000} s");
            }
        }
        try
        {
            return await MailboxSession.OpenAsync(socket, s.Protocol, s.Host!, s.Port, s.Security, s.UserName, password, timeoutMs, ct);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static ErrorText Describe(Exception ex) => ex switch
    {
        NetworkTargetRefusedException refused => ErrorText.Of($"mailbox_host: refused: {refused.Why}"),
        MailKit.Security.AuthenticationException => ErrorText.Of($"the mailbox refused the user name or password: {ex.Message}"),
        System.Security.Cryptography.CryptographicException => ErrorText.Of("the stored password can no longer be read; enter it again"),
        _ => ErrorText.Of($"the mailbox could not be read: {ex.GetType().Name}: {ex.Message}"),
    };

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
