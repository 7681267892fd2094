namespace CommsConsole.Features.Providers.Smtp;

/// <summary>Settings of one SMTP relay.</summary>
public sealed class SmtpOptions
{
    public string Host { get; set; } = "";
    public int Port { get; set; } = 587;
    /// <summary>"None", "StartTls", "SslOnConnect" or "Auto" (TLS on connect for port 465, STARTTLS when offered otherwise).</summary>
    public string Security { get; set; } = "StartTls";
    /// <summary>Left empty, no authentication is attempted.</summary>
    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string FromAddress { get; set; } = "";
    public string? FromName { get; set; }
    /// <summary>Price of one email.</summary>
    public decimal UnitPrice { get; set; } = 0m;
    /// <summary>How long one connect, command or reply may take before it counts as a timeout.</summary>
    public int TimeoutSeconds { get; set; } = 30;
}
