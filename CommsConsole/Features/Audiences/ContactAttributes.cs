using System.Text.Json;
using System.Text.Json.Nodes;
using CommsConsole.Data;

namespace CommsConsole.Features.Audiences;

/// <summary>
/// A contact's custom attributes: a flat JSON object of strings, numbers and booleans (dates as ISO 8601 strings), so
/// that every value can be a template variable and a filter operand. Nesting is refused rather than flattened.
/// </summary>
public static class ContactAttributes
{
    public const int MaxKeys = 50;
    public const int MaxKey = 64;
    public const int MaxValue = 1_000;

    /// <summary>The attributes as stored, after checking <paramref name="given"/> and merging it into <paramref name="current"/> (null: replace).</summary>
    public static Result<string> Apply(string? current, JsonElement given)
    {
        if (given.ValueKind != JsonValueKind.Object)
            return AppError.Validation($"attributes: must be a JSON object of strings, numbers, booleans and dates, not {Kind(given.ValueKind)}");
        var merged = current is null ? new JsonObject() : JsonNode.Parse(current)!.AsObject();
        foreach (var property in given.EnumerateObject())
        {
            var key = property.Name;
            if (key.Trim().Length == 0 || key.Length > MaxKey || key.Any(char.IsControl))
                return AppError.Validation($"attributes: the name '{Phones.Echo(key)}' must be 1 to {MaxKey} characters without control characters");
            var value = property.Value;
            switch (value.ValueKind)
            {
                case JsonValueKind.Null:
                    merged.Remove(key);
                    continue;
                case JsonValueKind.Object or JsonValueKind.Array:
                    return AppError.Validation($"attributes: '{Phones.Echo(key)}' holds {Kind(value.ValueKind)}; values must be strings, numbers, booleans or dates");
                case JsonValueKind.String when value.GetString()!.Length > MaxValue:
                    return AppError.Validation($"attributes: '{Phones.Echo(key)}' is longer than {MaxValue} characters");
            }
            merged[key] = JsonNode.Parse(value.GetRawText());
        }
        if (merged.Count > MaxKeys) return AppError.Validation($"attributes: at most {MaxKeys} attributes");
        var json = merged.ToJsonString();
        if (json.Length > Contact.MaxAttributesJson) return AppError.Validation($"attributes: at most {Contact.MaxAttributesJson} characters of JSON");
        return json;
    }

    /// <summary>Attributes typed as JSON text (the console's editor), as <see cref="Apply"/> takes them; blank is an empty object.</summary>
    public static Result<JsonElement> Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) text = "{}";
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return AppError.Validation("attributes: not valid JSON");
        }
    }

    private static ErrorText Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => ErrorText.Of("an array"),
        JsonValueKind.Object => ErrorText.Of("an object"),
        JsonValueKind.String => ErrorText.Of("a string"),
        JsonValueKind.Number => ErrorText.Of("a number"),
        JsonValueKind.True or JsonValueKind.False => ErrorText.Of("a boolean"),
        _ => ErrorText.Of("null"),
    };
}
