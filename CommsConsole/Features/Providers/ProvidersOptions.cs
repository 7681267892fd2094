namespace CommsConsole.Features.Providers;

public sealed class ProvidersOptions
{
    public const string Section = "Providers";
    /// <summary>"simulated" (default) or "submail" (settings under Providers:Submail).</summary>
    public string Sms { get; set; } = "simulated";
    /// <summary>"simulated" (default) or "smtp" (settings under Providers:Smtp).</summary>
    public string Email { get; set; } = "simulated";
}
