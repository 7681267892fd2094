namespace CommsConsole.Features.Audiences.Import;

/// <summary>The <c>Imports</c> section: where uploaded files wait for their job, and how big and fast imports may be.</summary>
public sealed class ContactImportOptions
{
    /// <summary>The folder of uploaded files (removed when their import is done); default: <c>imports</c> beside the SQLite database, else under the content root.</summary>
    public string? Folder { get; set; }
    public long MaxFileBytes { get; set; } = 256L * 1024 * 1024;
    /// <summary>Most rows of one file: the job keeps a digest of every address it read, so this bounds its memory.</summary>
    public int MaxRows { get; set; } = 2_000_000;
    /// <summary>Rows written per statement and transaction.</summary>
    public int BatchSize { get; set; } = 5_000;
    public int LeaseSeconds { get; set; } = 60;
}
