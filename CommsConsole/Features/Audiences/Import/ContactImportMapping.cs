using System.Text.Json;
using System.Text.Json.Serialization;
using CommsConsole.Data;

namespace CommsConsole.Features.Audiences.Import;

/// <summary>
/// What an import makes of a CSV file: the header names of the phone, email and name columns, the columns kept as
/// attributes (column → attribute name), tags given to every row, the list every row joins, and the consent statement:
/// <see cref="StatedConsent"/> when the rows were collected with consent to be contacted (recorded as a subscription by
/// import), otherwise consent is left as it is.
/// </summary>
public sealed record ContactImportMapping
{
    public const int MaxColumns = 200;

    [JsonPropertyName("phone")] public string? Phone { get; init; }
    [JsonPropertyName("email")] public string? Email { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    /// <summary>Column header → attribute name.</summary>
    [JsonPropertyName("attributes")] public Dictionary<string, string>? Attributes { get; init; }
    [JsonPropertyName("tags")] public List<string>? Tags { get; init; }
    [JsonPropertyName("list_id")] public long? ListId { get; init; }
    /// <summary><c>stated</c> (the rows carry stated consent) or <c>unchanged</c> (the default).</summary>
    [JsonPropertyName("consent")] public string? Consent { get; init; }

    [JsonIgnore] public bool StatedConsent => string.Equals(Consent?.Trim(), "stated", StringComparison.OrdinalIgnoreCase);

    public string ToJson() => JsonSerializer.Serialize(this);

    public static ContactImportMapping FromJson(string json) => JsonSerializer.Deserialize<ContactImportMapping>(json)!;

    /// <summary>The mapping as sent by a client (the multipart <c>mapping</c> field).</summary>
    public static Result<ContactImportMapping> Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return AppError.Validation("mapping: required (a JSON object naming at least the phone or the email column)");
        try
        {
            return JsonSerializer.Deserialize<ContactImportMapping>(json) is { } m ? m : AppError.Validation("mapping: must be a JSON object");
        }
        catch (JsonException ex)
        {
            return AppError.Validation($"mapping: not valid JSON ({ex.Message})");
        }
    }

    /// <summary>
    /// Checks the mapping against the file's header and resolves each named column to its position; normalises tags.
    /// Nothing is imported from a mapping that fails here.
    /// </summary>
    public Result<ResolvedMapping> Resolve(IReadOnlyList<string> header)
    {
        if (Consent is { } c && !c.Trim().Equals("stated", StringComparison.OrdinalIgnoreCase) && !c.Trim().Equals("unchanged", StringComparison.OrdinalIgnoreCase))
            return AppError.Validation($"consent: '{Phones.Echo(c)}' is not one of stated, unchanged");
        var columns = header.Select(h => h.Trim()).ToList();
        Result<int> Column(string field, string? name)
        {
            if (string.IsNullOrWhiteSpace(name)) return -1;
            var at = columns.IndexOf(name.Trim());
            if (at < 0) return AppError.Validation($"{field}: the file has no column '{Phones.Echo(name)}'");
            return at;
        }
        var phone = Column("phone", Phone);
        if (!phone.IsOk) return phone.Error!;
        var email = Column("email", Email);
        if (!email.IsOk) return email.Error!;
        var name = Column("name", Name);
        if (!name.IsOk) return name.Error!;
        if (phone.Value < 0 && email.Value < 0) return AppError.Validation("phone: map the phone column, the email column or both");
        var attributes = new List<(int Column, string Name)>();
        foreach (var (column, rawName) in Attributes ?? [])
        {
            var at = Column("attributes", column);
            if (!at.IsOk) return at.Error!;
            var attribute = (rawName ?? "").Trim();
            if (attribute.Length is 0 or > ContactAttributes.MaxKey || attribute.Any(char.IsControl))
                return AppError.Validation($"attributes: the name '{Phones.Echo(attribute)}' must be 1 to {ContactAttributes.MaxKey} characters without control characters");
            if (attributes.Any(a => a.Name == attribute)) return AppError.Validation($"attributes: '{Phones.Echo(attribute)}' is named twice");
            if (at.Value >= 0) attributes.Add((at.Value, attribute));
        }
        if (attributes.Count > ContactAttributes.MaxKeys) return AppError.Validation($"attributes: at most {ContactAttributes.MaxKeys} attributes");
        var tags = new List<string>();
        if (Tags is { Count: > Contact.MaxTags }) return AppError.Validation($"tags: at most {Contact.MaxTags} tags a contact");
        foreach (var raw in Tags ?? [])
        {
            var tag = raw is null ? "" : ContactService.NormalizeTag(raw);
            if (tag.Length is 0 or > Contact.MaxTag || tag.Any(char.IsControl))
                return AppError.Validation($"tags: '{Phones.Echo(raw ?? "")}' must be 1 to {Contact.MaxTag} characters without control characters");
            if (!tags.Contains(tag)) tags.Add(tag);
        }
        return new ResolvedMapping(columns.Count, phone.Value, email.Value, name.Value, attributes, tags, ListId, StatedConsent);
    }
}

/// <summary>A mapping checked against a header: column positions (-1 when not mapped).</summary>
public sealed record ResolvedMapping(int Columns, int Phone, int Email, int Name, IReadOnlyList<(int Column, string Name)> Attributes,
    IReadOnlyList<string> Tags, long? ListId, bool StatedConsent);
