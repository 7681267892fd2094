namespace CommsConsole.Data;

/// <summary>
/// One change of consent of an address on a channel for a tenant, appended whenever it subscribes or unsubscribes,
/// whether through a contact, the opt-out list, an unsubscribe link or an SMS reply. Kept by address, so that a contact
/// added after an opt-out still shows it; never updated.
/// </summary>
public class ConsentEvent
{
    public const int MaxNote = 500;

    public long Id { get; set; }
    public required string TenantId { get; set; }
    public Channel Channel { get; set; }
    /// <summary>The normalised phone number or email address, as <see cref="Suppression.Address"/>.</summary>
    public required string Address { get; set; }
    public bool Subscribed { get; set; }
    public ConsentMethod Method { get; set; }
    public string? Note { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>The user who made the change, or what did (unsubscribe link, SMS reply).</summary>
    public required string By { get; set; }
}
