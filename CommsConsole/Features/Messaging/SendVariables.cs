using System.Text.Json;

namespace CommsConsole.Features.Messaging;

/// <summary>
/// Template variables as the API faces receive them (a JSON object) and as templates render them (text): a string as it
/// is, a number or a boolean as written, null as empty; an object or an array is refused, since a template inserts text.
/// </summary>
public static class SendVariables
{
    /// <summary>The name under which a face's request carries its variables, for its error messages.</summary>
    public enum Field { Variables, Params }

    public static Result<Dictionary<string, string>> FromJson(IReadOnlyDictionary<string, JsonElement>? json, Field field)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in json ?? new Dictionary<string, JsonElement>())
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String: variables[key] = value.GetString()!; break;
                case JsonValueKind.Null: variables[key] = ""; break;
                case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False: variables[key] = value.GetRawText(); break;
                default:
                    return field == Field.Params
                        ? AppError.Validation($"params.{key}: must be a string")
                        : AppError.Validation($"variables.{key}: must be a string");
            }
        }
        return variables;
    }
}
