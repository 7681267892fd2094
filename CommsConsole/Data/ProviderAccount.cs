namespace CommsConsole.Data;

/// <summary>
/// A tenant's provider account for one channel and role. The settings are kept as JSON without their secrets; the
/// secrets (app key, SUBHOOK key, SMTP password) are encrypted with the app's Data Protection keys and never shown back.
/// </summary>
public class ProviderAccount
{
    public int Id { get; set; }
    public required string TenantId { get; set; }
    public Channel Channel { get; set; }
    public ProviderRole Role { get; set; }
    public required string Kind { get; set; }
    public required string Settings { get; set; }
    public string? ProtectedSecrets { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public required string UpdatedBy { get; set; }
}
