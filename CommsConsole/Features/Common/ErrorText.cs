using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace CommsConsole.Features.Common;

/// <summary>
/// An error's words kept apart from its values, so that each face can say it in its own language: the APIs answer
/// <see cref="Message"/> (English, as their contracts fix it); the console looks <see cref="Format"/> up in its
/// translations and fills in <see cref="Args"/>, showing <see cref="Field"/> by the field's label.
/// Written as an ordinary interpolated string: <c>$"name: required, at most {Tenant.MaxName} characters"</c> becomes
/// field <c>name</c>, format <c>required, at most {0} characters</c>, args <c>[200]</c>.
/// </summary>
public sealed partial class ErrorText
{
    private ErrorText(string? field, string format, object?[] args, string message)
    {
        Field = field;
        Format = format;
        Args = args;
        Message = message;
    }

    /// <summary>The wire name of the field the error is about (<c>quiet_hours_start</c>), when the text names one first.</summary>
    public string? Field { get; }

    /// <summary>The words with numbered placeholders (<c>'{0}' is not a time of day (HH:mm)</c>), the key of its translation.</summary>
    public string Format { get; }

    /// <summary>The values, in placeholder order; an <see cref="ErrorText"/> among them is itself words to translate.</summary>
    public IReadOnlyList<object?> Args { get; }

    /// <summary>The whole text in English, exactly as the APIs answer it.</summary>
    public string Message { get; }

    public override string ToString() => Message;

    /// <summary>A text with no values.</summary>
    public static ErrorText Of([ConstantExpected] string text) => From([new Part(text, null, null)]);

    /// <summary>A text with values: <c>ErrorText.Of($"'{raw}' is not a valid email address")</c>.</summary>
    public static ErrorText Of(ErrorTextHandler text) => text.ToErrorText();

    /// <summary>
    /// A word of a closed vocabulary (a role, a channel, a status) used as a value: English on the APIs, the console's
    /// word for it where it has one.
    /// </summary>
    public static ErrorText Term(string word) => new(null, Escape(word), [], word);

    /// <summary>Several texts as one, separated as a list ("a; b; c").</summary>
    public static ErrorText Join(IEnumerable<ErrorText> texts) => texts.Aggregate((list, next) => Of($"{list}; {next}"));

    /// <summary>One piece of an interpolated text: a literal, or a value with its format specifier.</summary>
    public readonly record struct Part(string? Literal, object? Value, string? Spec)
    {
        public bool IsValue => Literal is null;
    }

    [GeneratedRegex(@"^(?<field>[a-z][A-Za-z0-9_]*): ")]
    private static partial Regex FieldPrefix();

    /// <summary>
    /// Where the field name and the format of a text come from, given only its shape (literals, and holes with their
    /// format specifiers): a text names its field when it starts with <c>wire_name: </c> or with a value followed by
    /// <c>": "</c> (<c>$"{field}: …"</c>). The compiled code and the test that checks every text has a translation
    /// both read texts through this one method.
    /// </summary>
    /// <returns>The field (null when it is the first value), whether the first value is the field, and the format.</returns>
    public static (string? Field, bool FirstValueIsField, string Format) Shape(IReadOnlyList<(string? Literal, string? Spec)> parts)
    {
        string? field = null;
        var firstValueIsField = false;
        var start = 0;
        string? firstLiteralRest = null;
        if (parts.Count > 0 && parts[0].Literal is { } first && FieldPrefix().Match(first) is { Success: true } m)
        {
            field = m.Groups["field"].Value;
            firstLiteralRest = first[m.Length..];
        }
        else if (parts.Count > 1 && parts[0].Literal is null && parts[1].Literal is { } next && next.StartsWith(": ", StringComparison.Ordinal))
        {
            firstValueIsField = true;
            firstLiteralRest = next[2..];
            start = 1;
        }

        var format = new StringBuilder();
        var hole = 0;
        for (var i = start; i < parts.Count; i++)
        {
            var (literal, spec) = parts[i];
            if (literal is not null) format.Append(Escape(i == start && firstLiteralRest is not null ? firstLiteralRest : literal));
            else format.Append('{').Append(hole++.ToString(CultureInfo.InvariantCulture)).Append(spec is null ? "" : ":" + spec).Append('}');
        }
        return (field, firstValueIsField, format.ToString());
    }

    internal static ErrorText From(List<Part> parts)
    {
        // Adjacent literals (from "a" + "b" or $"…" + $"…") are one literal to the reader.
        var merged = new List<Part>(parts.Count);
        foreach (var part in parts)
        {
            if (!part.IsValue && merged.Count > 0 && !merged[^1].IsValue) merged[^1] = new Part(merged[^1].Literal + part.Literal, null, null);
            else merged.Add(part);
        }

        var message = new StringBuilder();
        foreach (var part in merged) message.Append(part.IsValue ? English(part.Value, part.Spec) : part.Literal);

        var (field, firstValueIsField, format) = Shape(merged.Select(p => (p.Literal, p.Spec)).ToList());
        var values = merged.Where(p => p.IsValue).Select(p => p.Value);
        if (firstValueIsField)
        {
            field = English(merged[0].Value, merged[0].Spec);
            values = values.Skip(1);
        }
        return new ErrorText(field, format, values.ToArray(), message.ToString());
    }

    // As an interpolated string formats a value, so that Message is what the same $"…" made before.
    private static string English(object? value, string? spec) => value switch
    {
        null => "",
        IFormattable f => f.ToString(spec, CultureInfo.CurrentCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>
    /// The text as JSON (field, format and values, values in English), to be kept beside its <see cref="Message"/> where
    /// the console shows it later in the reader's language (an import's bad rows); <see cref="FromJson"/> reads it back.
    /// </summary>
    public string ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer)) Write(w, this);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);

        static void Write(System.Text.Json.Utf8JsonWriter w, ErrorText text)
        {
            w.WriteStartObject();
            if (text.Field is not null) w.WriteString("f", text.Field);
            w.WriteString("t", text.Format);
            w.WriteString("m", text.Message);
            w.WriteStartArray("a");
            foreach (var arg in text.Args)
            {
                if (arg is ErrorText inner) Write(w, inner);
                else w.WriteStringValue(English(arg, null));
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
    }

    /// <summary>A text written by <see cref="ToJson"/>; null for null or anything else.</summary>
    public static ErrorText? FromJson(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            return Read(doc.RootElement);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }

        static ErrorText? Read(System.Text.Json.JsonElement e)
        {
            if (e.ValueKind != System.Text.Json.JsonValueKind.Object || !e.TryGetProperty("t", out var t) || !e.TryGetProperty("m", out var m)) return null;
            var args = new List<object?>();
            if (e.TryGetProperty("a", out var a) && a.ValueKind == System.Text.Json.JsonValueKind.Array)
                foreach (var arg in a.EnumerateArray()) args.Add(arg.ValueKind == System.Text.Json.JsonValueKind.Object ? Read(arg) : arg.GetString());
            var field = e.TryGetProperty("f", out var f) ? f.GetString() : null;
            return new ErrorText(field, t.GetString() ?? "", args.ToArray(), m.GetString() ?? "");
        }
    }

    private static string Escape(string literal) => literal.Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal);
}

/// <summary>Captures an interpolated string as an <see cref="ErrorText"/>'s literals and values.</summary>
[InterpolatedStringHandler]
public readonly struct ErrorTextHandler
{
    private readonly List<ErrorText.Part> _parts;

    public ErrorTextHandler(int literalLength, int formattedCount) => _parts = new List<ErrorText.Part>(formattedCount * 2 + 1);

    public void AppendLiteral(string value) => _parts.Add(new ErrorText.Part(value, null, null));

    public void AppendFormatted<T>(T value) => _parts.Add(new ErrorText.Part(null, value, null));

    public void AppendFormatted<T>(T value, string? format) => _parts.Add(new ErrorText.Part(null, value, format));

    public ErrorText ToErrorText() => ErrorText.From(_parts);
}
