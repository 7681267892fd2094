using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data;

/// <summary>
/// The token of an inbound webhook event already taken (a SUBHOOK delivery report), so that no node takes it again: a
/// token's signature does not cover the rest of the event, so a captured one could otherwise carry any other event.
/// Kept for the replay window (the retention job purges older rows); older events are refused by their timestamp.
/// </summary>
public class SeenWebhookToken
{
    /// <summary>The tenant whose address received the event, or empty for the installation's own address.</summary>
    public required string Scope { get; set; }
    public required string Token { get; set; }
    /// <summary>SHA-256 of the event as received: the same token with the same event is a duplicate delivery, with another a replay.</summary>
    public required string EventHash { get; set; }
    public DateTimeOffset SeenAt { get; set; }
}
