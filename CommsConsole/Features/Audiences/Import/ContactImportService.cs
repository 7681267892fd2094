using CommsConsole.Data;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Audiences.Import;

/// <summary>A file uploaded for import, waiting on disk for its mapping: its token, its name and the columns of its header.</summary>
public sealed record StagedImport(string Token, string FileName, long Bytes, IReadOnlyList<string> Columns);

/// <summary>
/// CSV imports of contacts: a file is staged on disk and its header read, then an import is started with a mapping and
/// runs as a background job (<see cref="ContactImportJob"/>); its progress and report are read from the database.
/// </summary>
public sealed class ContactImportService(AppDbContext db, ContactImportFiles files, IBackgroundJobClient jobs, TimeProvider clock, IOptions<ContactImportOptions> options)
{
    /// <summary>Copies the upload to the imports folder, never holding it in memory, and reads its header.</summary>
    public async Task<Result<StagedImport>> StageAsync(Stream upload, string? fileName, Caller caller, CancellationToken ct)
    {
        if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot import contacts");
        files.SweepAbandoned();
        var token = Guid.NewGuid().ToString("N");
        var path = files.PathOf(token);
        var max = options.Value.MaxFileBytes;
        long bytes = 0;
        try
        {
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                var buffer = new byte[64 * 1024];
                int read;
                while ((read = await upload.ReadAsync(buffer, ct)) > 0)
                {
                    bytes += read;
                    if (bytes > max)
                    {
                        file.Close();
                        files.Delete(token);
                        return AppError.Validation($"file: larger than {max / (1024 * 1024)} MB");
                    }
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            var header = ContactCsv.ReadHeader(path);
            if (!header.IsOk)
            {
                files.Delete(token);
                return header.Error!;
            }
            return new StagedImport(token, CleanName(fileName), bytes, header.Value!);
        }
        catch
        {
            files.Delete(token);
            throw;
        }
    }

    /// <summary>Starts the import of a staged file with <paramref name="mapping"/>: checked against the header first; nothing runs when it fails.</summary>
    public async Task<Result<ContactImport>> StartAsync(StagedImport staged, ContactImportMapping mapping, Caller caller, CancellationToken ct)
    {
        if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot import contacts");
        if (!files.Exists(staged.Token)) return AppError.NotFound("file: the uploaded file is gone; upload it again");
        var resolved = mapping.Resolve(staged.Columns);
        if (!resolved.IsOk) return resolved.Error!;
        if (mapping.ListId is { } listId)
        {
            // Another tenant's list is not there, exactly as a missing one.
            var list = await db.ContactLists.AsNoTracking().InReachOf(caller).Where(l => l.Id == listId).Select(l => l.TenantId).FirstOrDefaultAsync(ct);
            if (list is null || list != caller.TenantId) return AppError.NotFound($"list_id: no list with id {listId}");
        }
        var now = clock.GetUtcNow();
        var import = new ContactImport
        {
            TenantId = caller.TenantId, CreatedBy = caller.UserId, FileName = staged.FileName, Mapping = mapping.ToJson(),
            Status = ContactImportStatus.Queued, LiftsOptOuts = mapping.StatedConsent && caller.IsAdmin, BytesTotal = staged.Bytes, CreatedAt = now, UpdatedAt = now,
        };
        db.ContactImports.Add(import);
        await db.SaveChangesAsync(ct);
        // The file is renamed to the import's id: the job finds it there, on this node (see ContactImportFiles).
        files.Claim(staged.Token, import.Id);
        jobs.Create<ContactImportJob>(j => j.RunAsync(import.Id, CancellationToken.None), new Hangfire.States.EnqueuedState(files.Queue));
        return import;
    }

    /// <summary>Stages and starts in one step, as the REST endpoint does.</summary>
    public async Task<Result<ContactImport>> ImportAsync(Stream upload, string? fileName, ContactImportMapping mapping, Caller caller, CancellationToken ct)
    {
        var staged = await StageAsync(upload, fileName, caller, ct);
        if (!staged.IsOk) return staged.Error!;
        var started = await StartAsync(staged.Value!, mapping, caller, ct);
        if (!started.IsOk) files.Delete(staged.Value!.Token);
        return started;
    }

    /// <summary>Forgets a staged file that will not be imported (the user cancelled).</summary>
    public void Discard(StagedImport staged) => files.Delete(staged.Token);

    public async Task<Result<ContactImport>> GetAsync(long id, Caller caller, CancellationToken ct)
    {
        if (!caller.ManagesAudience) return AppError.Forbidden("your role cannot import contacts");
        var import = await db.ContactImports.AsNoTracking().InReachOf(caller).FirstOrDefaultAsync(i => i.Id == id, ct);
        return import is null ? NotFound(id) : import;
    }

    /// <summary>A page of an import's bad rows by line, for the report (ask <see cref="GetAsync"/> first, which scopes it).</summary>
    public async Task<Page<ContactImportError>> ErrorsAsync(ContactImport import, int page, int pageSize, CancellationToken ct)
    {
        page = Math.Max(1, page);
        var size = Math.Clamp(pageSize, 1, PageSizes.Max);
        var q = db.ContactImportErrors.AsNoTracking().Where(e => e.ImportId == import.Id);
        var rows = await q.OrderBy(e => e.Line).Skip((page - 1) * size).Take(size).ToListAsync(ct);
        return new Page<ContactImportError>(rows, page, size, await q.CountAsync(ct));
    }

    /// <summary>Every stored bad row of an import, by line, streamed (for the download); ask <see cref="GetAsync"/> first, which scopes it.</summary>
    public IAsyncEnumerable<ContactImportError> ErrorRows(ContactImport import) =>
        db.ContactImportErrors.AsNoTracking().Where(e => e.ImportId == import.Id).OrderBy(e => e.Line).AsAsyncEnumerable();

    private static string CleanName(string? name)
    {
        var clean = new string(Path.GetFileName(name ?? "").Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (clean.Length == 0) clean = "contacts.csv";
        return clean.Length > ContactImport.MaxFileName ? clean[..ContactImport.MaxFileName] : clean;
    }

    private static AppError NotFound(long id) => AppError.NotFound($"id: no import with id {id}");
}
