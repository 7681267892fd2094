namespace CommsConsole.Features.Tenancy;

public sealed class BootstrapOptions
{
    public const string Section = "Bootstrap";
    public string AdminEmail { get; set; } = "admin@commsconsole.local";
    public string? AdminPassword { get; set; }
    public string TenantName { get; set; } = "Default";
}
