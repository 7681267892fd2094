namespace CommsConsole.Features.Bounces;

public sealed class BounceOptions
{
    public const string Section = "Bounces";

    /// <summary>Soft bounces in a row (no delivery between them) after which an address is suppressed, for tenants that set none.</summary>
    public int SoftBounceLimit { get; set; } = 3;
    /// <summary>When the recurring job reads the tenants' bounce mailboxes (UTC).</summary>
    public string MailboxCron { get; set; } = "*/5 * * * *";
    /// <summary>How long one read of a mailbox holds its claim; another run may read it once this has passed.</summary>
    public int LeaseSeconds { get; set; } = 300;
    /// <summary>The most messages one read looks at, so that a flooded mailbox cannot hold a worker for long.</summary>
    public int MaxMessagesPerRead { get; set; } = 500;
    /// <summary>Messages larger than this are left in the mailbox unread (a delivery status notification is a few kilobytes).</summary>
    public int MaxMessageBytes { get; set; } = 1_000_000;
    /// <summary>The mailbox server's time to answer each command.</summary>
    public int TimeoutSeconds { get; set; } = 30;
}
