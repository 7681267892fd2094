namespace CommsConsole.Data;

/// <summary>
/// A tenant's bounce handling: how many soft bounces in a row suppress an address, and the mailbox that delivery status
/// notifications come back to (none while <see cref="Host"/> is null). The password is stored encrypted like a provider
/// account's secrets; a read by the recurring job is claimed with a lease, so that two runs never read it at once.
/// </summary>
public class BounceSettings : ITenantRecord
{
    public const int MaxHost = 253, MaxUserName = 256, MaxPassword = 256, MaxError = 1000;

    public required string TenantId { get; set; }
    /// <summary>Null: the installation's default (<c>Bounces:SoftBounceLimit</c>).</summary>
    public int? SoftBounceLimit { get; set; }

    public string? Host { get; set; }
    public int Port { get; set; }
    /// <summary>None, StartTls, SslOnConnect or Auto, as an SMTP account's.</summary>
    public string Security { get; set; } = "SslOnConnect";
    /// <summary>pop3 or imap.</summary>
    public string Protocol { get; set; } = "pop3";
    public string? UserName { get; set; }
    public string? ProtectedPassword { get; set; }
    /// <summary>Whether the recurring job reads the mailbox.</summary>
    public bool Enabled { get; set; }

    public DateTimeOffset? LastReadAt { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? LastErrorAt { get; set; }
    public string? LeaseId { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
    public string? UpdatedBy { get; set; }
}
