using CommsConsole.Data;

namespace CommsConsole.Features.Campaigns;

/// <summary>What can be done to a campaign.</summary>
public enum CampaignAction { Edit, Schedule, Start, Refuse, Finish, Cancel }

/// <summary>
/// The campaign's state machine, in one table: from which states each action may be taken and the state it leads to.
/// <see cref="CampaignService"/> applies a transition as one conditional update (<c>WHERE State IN (from)</c>), so that of
/// many requests at once, on any node, exactly one moves the campaign and the others find it moved.
/// </summary>
public static class CampaignStates
{
    private static readonly Dictionary<CampaignAction, (CampaignState[] From, CampaignState? To)> Table = new()
    {
        // Editing keeps the state: a scheduled campaign edited stays scheduled (at its time, or the new one).
        [CampaignAction.Edit] = ([CampaignState.Draft, CampaignState.Scheduled], null),
        [CampaignAction.Schedule] = ([CampaignState.Draft, CampaignState.Scheduled], CampaignState.Scheduled),
        [CampaignAction.Start] = ([CampaignState.Draft, CampaignState.Scheduled], CampaignState.Sending),
        // A start the send pipeline refused (empty audience, a content rule): back to draft, with the reason kept.
        [CampaignAction.Refuse] = ([CampaignState.Sending], CampaignState.Draft),
        [CampaignAction.Finish] = ([CampaignState.Sending], CampaignState.Sent),
        [CampaignAction.Cancel] = ([CampaignState.Draft, CampaignState.Scheduled], CampaignState.Cancelled),
    };

    /// <summary>The states <paramref name="action"/> may be taken from.</summary>
    public static IReadOnlyList<CampaignState> From(CampaignAction action) => Table[action].From;

    /// <summary>The state <paramref name="action"/> leads to from <paramref name="current"/>.</summary>
    public static CampaignState To(CampaignAction action, CampaignState current) => Table[action].To ?? current;

    public static bool Allows(CampaignAction action, CampaignState current) => Table[action].From.Contains(current);

    public static string ToWire(this CampaignState state) => state switch
    {
        CampaignState.Draft => "draft",
        CampaignState.Scheduled => "scheduled",
        CampaignState.Sending => "sending",
        CampaignState.Sent => "sent",
        _ => "cancelled",
    };

    public static bool TryParse(string? value, out CampaignState state)
    {
        foreach (var s in Enum.GetValues<CampaignState>())
        {
            if (string.Equals(value?.Trim(), s.ToWire(), StringComparison.OrdinalIgnoreCase)) { state = s; return true; }
        }
        state = default;
        return false;
    }

    public const string Names = "draft, scheduled, sending, sent, cancelled";
}
