using System.ComponentModel;
using CommsConsole.Data;
using CsvHelper;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Audiences.Import;

/// <summary>
/// Runs an import: claims it with a lease (so two runs never write it at once), streams the file a row at a time with
/// CsvHelper, and writes the rows in batches (<see cref="ContactImportWriter"/>) with the progress. Safe to run twice: a
/// run again resumes after the last batch written, and upserts write the same contact once.
/// </summary>
[AutomaticRetry(Attempts = 3)]
public sealed class ContactImportJob(
    IServiceScopeFactory scopes,
    ContactImportFiles files,
    TimeProvider clock,
    IOptions<ContactImportOptions> options,
    ILogger<ContactImportJob> logger)
{
    private const int BadRowsPerBatch = 1_000;
    /// <summary>Rows read before the table of the file's addresses is sized for the whole file.</summary>
    private const int SizingRows = 1_000;

    [DisplayName("Import contacts {0}")]
    public async Task RunAsync(long importId, CancellationToken ct)
    {
        var o = options.Value;
        var leaseFor = TimeSpan.FromSeconds(o.LeaseSeconds);
        var lease = Guid.NewGuid().ToString("N");
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var now = clock.GetUtcNow();
        var claimed = await db.ContactImports
            .Where(i => i.Id == importId && (i.Status == ContactImportStatus.Queued || i.Status == ContactImportStatus.Running)
                && (i.LeaseUntil == null || i.LeaseUntil < now))
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.Status, ContactImportStatus.Running).SetProperty(i => i.LeaseId, lease)
                .SetProperty(i => i.LeaseUntil, now + leaseFor).SetProperty(i => i.UpdatedAt, now), ct);
        if (claimed == 0) return;
        var import = await db.ContactImports.AsNoTracking().SingleAsync(i => i.Id == importId, ct);
        var path = files.PathOf(importId);
        if (!File.Exists(path))
        {
            await FinishAsync(db, import, lease, ContactImportStatus.Failed, "file: the uploaded file is gone (removed, or on another node)", ct);
            return;
        }
        var header = ContactCsv.ReadHeader(path);
        var mapping = header.IsOk ? ContactImportMapping.FromJson(import.Mapping).Resolve(header.Value!) : header.Error!;
        if (!mapping.IsOk)
        {
            await FinishAsync(db, import, lease, ContactImportStatus.Failed, mapping.Error!.Message, ct);
            files.Delete(importId);
            return;
        }
        var writer = scope.ServiceProvider.GetRequiredService<ContactImportWriter>();
        var job = new ContactImportWriter.Job(importId, import.TenantId, import.CreatedBy, lease, mapping.Value!, import.LiftsOptOuts, leaseFor);
        try
        {
            var finished = await ReadAndWriteAsync(db, writer, job, import, path, o.BatchSize, ct);
            if (!finished) return;
            await FinishAsync(db, import, lease, ContactImportStatus.Done, null, ct);
        }
        catch (TooManyRowsException ex)
        {
            await FinishAsync(db, import, lease, ContactImportStatus.Failed,
                $"file: line {ex.Line}: more than {ex.Max} rows; the rows before it were imported (split the file)", ct);
        }
        catch (CsvFormatException ex)
        {
            // The rows before the unreadable part are in; the rest of the file cannot be read as CSV.
            logger.LogWarning("Contact import {ImportId} stopped at line {Line}: {Reason}", importId, ex.LineNumber, ex.Message);
            await FinishAsync(db, import, lease, ContactImportStatus.Failed,
                $"file: line {ex.LineNumber}: not readable as CSV (a row longer than {ContactCsv.MaxField} bytes, or an unclosed quote); the rows before it were imported", ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: the lease runs out and the job starts again on the next run of this node.
            throw;
        }
        catch
        {
            // Hangfire runs it again; let that run claim it at once.
            await db.ContactImports.Where(i => i.Id == importId && i.LeaseId == lease)
                .ExecuteUpdateAsync(u => u.SetProperty(i => i.LeaseUntil, (DateTimeOffset?)null), CancellationToken.None);
            throw;
        }
        files.Delete(importId);
    }

    /// <summary>Reads every row and writes them in batches; false when the lease was lost to another run.</summary>
    private async Task<bool> ReadAndWriteAsync(AppDbContext db, ContactImportWriter writer, ContactImportWriter.Job job, ContactImport import,
        string path, int batchSize, CancellationToken ct)
    {
        using var parser = ContactCsv.Open(path);
        _ = parser.Headers;
        var stored = await db.ContactImportErrors.CountAsync(e => e.ImportId == import.Id, ct);
        var (rowsRead, imported, updated, skipped, kept) = (import.RowsRead, import.Imported, import.Updated, import.Skipped, import.KeptUnsubscribed);
        var resumeAfter = import.RowsRead;
        var maxRows = options.Value.MaxRows;
        // Within one file a person is one row: a later row with the same phone or email is reported. Kept as 64-bit
        // digests, not strings, so that a million rows' keys stay a few dozen megabytes; sized once from the first rows
        // and the file's size, as growing by doubling would hold the old and the new table at once.
        var seen = new Dictionary<ulong, int>();
        var rows = new List<ImportRow>(batchSize);
        var bad = new List<BadRow>();
        var row = 0;
        var writing = new System.Diagnostics.Stopwatch();
        var total = System.Diagnostics.Stopwatch.StartNew();

        async Task<bool> FlushAsync()
        {
            if (rows.Count == 0 && bad.Count == 0) return true;
            var storeBad = stored < ContactImport.MaxStoredErrors;
            writing.Start();
            var result = await writer.WriteAsync(job, rows, bad, storeBad, r => new ImportProgress(row, parser.ByteOffset,
                imported + r.Imported, updated + r.Updated, skipped + r.Bad.Count, kept + r.KeptUnsubscribed), ct);
            writing.Stop();
            if (result is null) return false;
            (rowsRead, imported, updated, skipped, kept) = (row, imported + result.Imported, updated + result.Updated, skipped + result.Bad.Count, kept + result.KeptUnsubscribed);
            if (storeBad) stored += result.Bad.Count;
            rows.Clear();
            bad.Clear();
            return true;
        }

        while (true)
        {
            bool more;
            try
            {
                more = await parser.ReadAsync(ct);
            }
            catch (CsvFormatException)
            {
                // The rows read so far are written before the import stops at the unreadable part.
                if (!await FlushAsync()) return false;
                throw;
            }
            if (!more) break;
            ct.ThrowIfCancellationRequested();
            if (row == maxRows)
            {
                if (!await FlushAsync()) return false;
                throw new TooManyRowsException(parser.LineNumber, maxRows);
            }
            row++;
            if (row == SizingRows && parser.ByteOffset > 0)
            {
                var expected = (double)import.BytesTotal / parser.ByteOffset * seen.Count;
                seen.EnsureCapacity((int)Math.Min(expected * 1.05, 2.0 * maxRows));
            }
            var (good, why) = ContactCsv.Read(parser, job.Mapping);
            if (good is not null)
            {
                var phoneKey = good.Phone is null ? (ulong?)null : Key('p', good.Phone);
                var emailKey = good.Email is null ? (ulong?)null : Key('e', good.Email);
                var line = good.Line;
                if (phoneKey is { } pk && seen.TryGetValue(pk, out var first))
                    (good, why) = (null, ContactCsv.Bad(parser, line, ErrorText.Of($"phone: the same phone number as line {first}")));
                else if (emailKey is { } ek && seen.TryGetValue(ek, out first))
                    (good, why) = (null, ContactCsv.Bad(parser, line, ErrorText.Of($"email: the same email address as line {first}")));
                else
                {
                    if (phoneKey is { } p) seen[p] = good.Line;
                    if (emailKey is { } e) seen[e] = good.Line;
                }
            }
            // Rows up to the last batch written by an earlier run are in already: read them only for their keys.
            if (row <= resumeAfter) continue;
            if (good is not null) rows.Add(good);
            else bad.Add(why!);
            if ((rows.Count >= batchSize || bad.Count >= BadRowsPerBatch) && !await FlushAsync()) return false;
        }
        var finished = await FlushAsync();
        logger.LogInformation("Contact import {ImportId} read {Rows} rows in {Seconds:F1} s, {WriteSeconds:F1} s of it writing", import.Id, row,
            total.Elapsed.TotalSeconds, writing.Elapsed.TotalSeconds);
        return finished;
    }

    /// <summary>
    /// A 64-bit digest of an address: FNV-1a seeded with the runtime's randomised hash of the address, so that two
    /// different addresses of one file are taken for one (and the later reported as a duplicate) with a chance of about
    /// one in ten million at a million rows, and no file can be made to collide on purpose.
    /// </summary>
    private static ulong Key(char kind, string value)
    {
        var fnv = 14695981039346656037UL ^ (ulong)(uint)string.GetHashCode(value) << 16;
        fnv = (fnv ^ kind) * 1099511628211UL;
        foreach (var c in value) fnv = (fnv ^ c) * 1099511628211UL;
        return fnv;
    }

    private sealed class TooManyRowsException(long line, int max) : Exception($"more than {max} rows")
    {
        public long Line { get; } = line;
        public int Max { get; } = max;
    }

    private async Task FinishAsync(AppDbContext db, ContactImport import, string lease, ContactImportStatus status, string? error, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (error is { Length: > 1_000 }) error = error[..1_000];
        await db.ContactImports.Where(i => i.Id == import.Id && i.LeaseId == lease)
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.Status, status).SetProperty(i => i.Error, error).SetProperty(i => i.FinishedAt, now)
                .SetProperty(i => i.BytesRead, i => status == ContactImportStatus.Done ? i.BytesTotal : i.BytesRead)
                .SetProperty(i => i.UpdatedAt, now).SetProperty(i => i.LeaseId, (string?)null).SetProperty(i => i.LeaseUntil, (DateTimeOffset?)null), ct);
    }
}
