using System.Text.Json;

namespace CommsConsole.Features.Audiences;

/// <summary>
/// A contact as a caller writes it. On an upsert, what is left out (null) is kept, attributes are merged key by key (a
/// null value removes the key) and tags are added; on an update the input is the whole contact.
/// </summary>
/// <param name="Attributes">A JSON object of strings, numbers, booleans and dates (ISO 8601 strings).</param>
public sealed record ContactInput(string? Phone, string? Email, string? Name = null, JsonElement? Attributes = null, IReadOnlyList<string?>? Tags = null);
