using CommsConsole.Features.Messaging;

namespace CommsConsole.Features.Templates;

public class Template
{
    public int Id { get; set; }
    public required string TenantId { get; set; }
    public required string Code { get; set; }
    public required string Name { get; set; }
    public Channel Channel { get; set; }
    public string? Subject { get; set; }
    public required string Body { get; set; }
    public string? CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public string PublicId => "tpl_" + Id;
}
