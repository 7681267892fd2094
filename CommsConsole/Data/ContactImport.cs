namespace CommsConsole.Data;

public enum ContactImportStatus { Queued, Running, Done, Failed }

/// <summary>
/// A CSV import of contacts: what was asked (the mapping), how far the background job has come and what it found. Kept
/// in the database so that any node answers its progress, also after a restart; the uploaded file itself waits on disk.
/// </summary>
public class ContactImport : ITenantRecord
{
    public const int MaxFileName = 200;
    /// <summary>Most bad rows kept for the report and its download; more are counted.</summary>
    public const int MaxStoredErrors = 100_000;

    public long Id { get; set; }
    public required string TenantId { get; set; }
    public required string CreatedBy { get; set; }
    public required string FileName { get; set; }
    /// <summary>The column mapping, tags, list and consent statement as JSON (<c>ContactImportMapping</c>).</summary>
    public required string Mapping { get; set; }
    public ContactImportStatus Status { get; set; }
    /// <summary>The rows' stated consent lifts opt-outs: an Admin started the import (lifting an opt-out is an Admin's decision).</summary>
    public bool LiftsOptOuts { get; set; }
    public long BytesTotal { get; set; }
    public long BytesRead { get; set; }
    /// <summary>Data rows read so far (the header not counted); also where a job run again resumes.</summary>
    public int RowsRead { get; set; }
    public int Imported { get; set; }
    public int Updated { get; set; }
    /// <summary>Rows not written: the bad rows.</summary>
    public int Skipped { get; set; }
    /// <summary>Rows stating consent whose address had opted out and stays so (only an Admin's import lifts an opt-out).</summary>
    public int KeptUnsubscribed { get; set; }
    /// <summary>Why the whole file was refused (not a CSV, no rows), or null.</summary>
    public string? Error { get; set; }
    public string? LeaseId { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

/// <summary>One bad row of an import: its line in the file, why it was skipped, and the row as read (cut short).</summary>
public class ContactImportError
{
    public const int MaxReason = 500;
    public const int MaxReasonText = 1_000;
    public const int MaxRaw = 2_000;

    public long ImportId { get; set; }
    public int Line { get; set; }
    /// <summary>Why, in English (the API's answer and the errors CSV).</summary>
    public required string Reason { get; set; }
    /// <summary>Why, as <see cref="Features.Common.ErrorText.ToJson"/> wrote it: what the console translates.</summary>
    public string? ReasonText { get; set; }
    public string? Raw { get; set; }
}
