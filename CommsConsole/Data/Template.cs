namespace CommsConsole.Data;

public class Template
{
    /// <summary>Longest values an editor may store (the database columns of code, name and subject are as long).</summary>
    public const int MaxCode = 64, MaxName = 200, MaxSubject = 500, MaxBody = 100_000;

    public int Id { get; set; }
    public required string TenantId { get; set; }
    public required string Code { get; set; }
    public required string Name { get; set; }
    public Channel Channel { get; set; }
    public string? Subject { get; set; }
    public required string Body { get; set; }
    /// <summary>An email template's format (Markdown or HTML); null keeps the older rule: HTML when the body has tags, else plain text.</summary>
    public EmailBodyFormat? Format { get; set; }
    public string? CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public string PublicId => "tpl_" + Id;
}
