using CommsConsole.Features.Compliance;
using CommsConsole.Data;

namespace CommsConsole.Features.Messaging;

/// <summary>A send worked out before anything is written: its purpose, template and policy, and one row per recipient as it will be stored.</summary>
public sealed record SendPlan(
    Channel Channel,
    Purpose Purpose,
    Template? Template,
    EffectivePolicy Policy,
    bool IsHtml,
    IReadOnlyList<MessageLedger.NewMessage> Rows,
    int Duplicates,
    IReadOnlyList<string> Variables)
{
    /// <summary>A draft's only: what it still lacks to be sent (an email's subject), its rows rendered all the same.</summary>
    public AppError? Unready { get; init; }

    /// <summary>The billed units of the whole send: SMS segments, one per email.</summary>
    public int Segments => Rows.Sum(r => r.Segments);
}
