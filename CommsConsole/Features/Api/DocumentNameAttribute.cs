namespace CommsConsole.Features.Api;

/// <summary>
/// The schema name a request or response type carries in the OpenAPI document, as the specification documents give it
/// (for example <c>dto.BulkSendRequest</c>), so that a generated client matches the documents' names.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class DocumentNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
