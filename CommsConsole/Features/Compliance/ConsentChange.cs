using CommsConsole.Data;

namespace CommsConsole.Features.Compliance;

/// <summary>
/// A person's consent to marketing on a channel, given or withdrawn: what <see cref="SuppressionService.SetConsentAsync"/>
/// applies to the opt-out list and records in the consent history.
/// </summary>
/// <param name="Address">Already normalised (<see cref="SuppressionService.Normalize"/>).</param>
/// <param name="By">The user's id, or what made the change ("unsubscribe link", "SMS reply").</param>
public sealed record ConsentChange(string TenantId, Channel Channel, string Address, bool Subscribed, ConsentMethod Method, string? Note, string By);
