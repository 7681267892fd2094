using CommsConsole.Data;

namespace CommsConsole.Features.Messaging;

/// <summary>The audience a send goes to instead of given recipients: a list or a segment, by id, as the request named it.</summary>
/// <param name="Field">The request's own name for it (list_id, listId, segment_id, segmentId), used in error messages.</param>
public sealed record AudienceRef(AudienceKind Kind, long Id, string Field);

public enum AudienceKind { List, Segment }

/// <summary>
/// Who an audience is: its members as a query over the tenant's contacts, never loaded into memory, so that a send writes
/// its rows from it set-wise. Another tenant's list (or segment) is answered as a missing one.
/// </summary>
public interface IAudienceResolver
{
    Task<Result<AudienceMembers>> MembersAsync(AudienceRef audience, string tenantId, CancellationToken ct);
}

/// <summary>An audience's contacts, as a query of the tenant's contacts.</summary>
/// <param name="Contacts">The members, as a query of the resolver's own context.</param>
/// <param name="On">The same members as a query of another context, so that they can be read on a connection of its own
/// while the first one writes (a send counts its audience by reason while it writes the rows).</param>
public sealed record AudienceMembers(IQueryable<Contact> Contacts, Func<AppDbContext, IQueryable<Contact>> On);

/// <summary>Those of an audience who were not written as messages, by reason, and those who were.</summary>
/// <param name="WillReceive">Members with a valid address and no opt-out: written as pending.</param>
/// <param name="NoAddress">Members without an address for the channel.</param>
/// <param name="Unsubscribed">Members who opted out of the channel: written as suppressed (marketing only; transactional messages go).</param>
/// <param name="Invalid">Members whose stored address cannot be one for the channel.</param>
public sealed record AudienceCounts(int Members, int WillReceive, int NoAddress, int Unsubscribed, int Invalid);

/// <summary>What a send to an audience would do: its counts, and some members who would receive it.</summary>
public sealed record AudienceSurvey(AudienceCounts Counts, IReadOnlyList<AudienceMember> Samples);

/// <summary>One member of an audience as a send reads it.</summary>
public sealed record AudienceMember(long ContactId, string Address, string? Name, string? Phone, string? Email, string Attributes);

/// <summary>
/// The contact fields a template may read when it is sent to an audience: <c>{{ name }}</c>, <c>{{ phone }}</c>,
/// <c>{{ email }}</c> and <c>{{ attributes.city }}</c> (any attribute by its key). They take precedence over the request's
/// <c>variables</c> of the same name, but a contact without a name leaves a given <c>name</c> variable as it is.
/// </summary>
public static class ContactVariables
{
    public static readonly IReadOnlySet<string> Roots = new HashSet<string>(["name", "phone", "email", "attributes"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the content (body or subject) reads any contact field, so that it must be rendered per contact.</summary>
    public static bool AreUsedBy(SendContent content) =>
        content.Body.Variables.Any(Roots.Contains) || content.Subject?.Variables.Any(Roots.Contains) == true;

    public static Dictionary<string, string> Of(IReadOnlyDictionary<string, string> shared, AudienceMember member)
    {
        var variables = new Dictionary<string, string>(shared, StringComparer.Ordinal);
        if (member.Name is not null) variables["name"] = member.Name;
        else variables.TryAdd("name", "");
        variables["phone"] = member.Phone ?? "";
        variables["email"] = member.Email ?? "";
        if (member.Attributes.Length > 2)
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(member.Attributes);
                if (doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object)
                {
                    foreach (var p in doc.RootElement.EnumerateObject())
                    {
                        variables["attributes." + p.Name] = p.Value.ValueKind switch
                        {
                            System.Text.Json.JsonValueKind.String => p.Value.GetString() ?? "",
                            System.Text.Json.JsonValueKind.Null => "",
                            _ => p.Value.GetRawText(),
                        };
                    }
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // Attributes are validated as they are written; a row that is not JSON renders without them.
            }
        }
        return variables;
    }
}
