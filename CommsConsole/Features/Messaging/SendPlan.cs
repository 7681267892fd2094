using CommsConsole.Features.Compliance;
using CommsConsole.Data;
using CommsConsole.Features.Templates;

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

/// <summary>A send's content made ready to render for any recipient: its template, compiled body and subject, purpose and the tenant's policy.</summary>
public sealed record SendContent(
    Channel Channel,
    Template? Template,
    CompiledTemplate Body,
    CompiledTemplate? Subject,
    bool IsHtml,
    Purpose Purpose,
    EffectivePolicy Policy,
    AppError? Unready)
{
    /// <summary>An email's format (<see cref="EmailBody"/>): declared, or HTML when its source has tags; null for plain text and SMS.</summary>
    public EmailBodyFormat? Format { get; init; }
}

/// <summary>
/// A send to an audience worked out before anything is written. When the content reads no contact field it is rendered
/// once (<see cref="Shared"/>) and the rows are written set-wise in the database; otherwise each contact is rendered in turn.
/// </summary>
public sealed record AudiencePlan(SendContent Content, MessageLedger.NewMessage? Shared, IReadOnlyDictionary<string, string> Variables)
{
    public bool Personalised => Shared is null;
}
