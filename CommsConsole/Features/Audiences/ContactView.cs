using CommsConsole.Data;

namespace CommsConsole.Features.Audiences;

/// <summary>A contact with its tags and its consent on each channel it has an address for (null where it has none).</summary>
public sealed record ContactView(Contact Contact, IReadOnlyList<string> Tags, ContactConsent? Sms, ContactConsent? Email)
{
    public ContactConsent? ConsentFor(Channel channel) => channel == Channel.Sms ? Sms : Email;
}

/// <summary>
/// Whether a contact may receive marketing on a channel: unsubscribed exactly while its address has an active opt-out.
/// <see cref="Since"/> and <see cref="Method"/> say when and how, where it was recorded.
/// </summary>
public sealed record ContactConsent(bool Subscribed, DateTimeOffset? Since, ConsentMethod? Method);
