using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CommsConsole.Features.Api;

/// <summary>
/// A query parameter bound as text, or a body field bound as any JSON value, so that the endpoint answers a bad value with
/// its own 400 in its envelope, but documented as the whole number it is (<see cref="QueryNumbers"/> reads it): a
/// generated client then sends a number.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property)]
public sealed class WholeNumberAttribute : Attribute
{
    /// <summary>An id (64 bits) rather than a count or a page (32 bits).</summary>
    public bool Id { get; init; }
}

/// <summary>What every operation of the OpenAPI document gets, so that a client generated from it works as written.</summary>
public static class OpenApiConventions
{
    public static void AddConventions(this OpenApiOptions options)
    {
        options.AddOperationTransformer((operation, context, _) =>
        {
            var description = context.Description;
            operation.OperationId ??= OperationId(description.HttpMethod ?? "GET", description.RelativePath ?? "");
            foreach (var parameter in description.ParameterDescriptions)
            {
                if (parameter.ParameterDescriptor is not IParameterInfoParameterDescriptor { ParameterInfo: var info }) continue;
                if (info.GetCustomAttribute<WholeNumberAttribute>() is not { } number) continue;
                var documented = operation.Parameters?.FirstOrDefault(p => p.Name == parameter.Name && p.In == ParameterLocation.Query);
                if (documented is OpenApiParameter target)
                    target.Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = number.Id ? "int64" : "int32", Minimum = "1" };
            }
            return Task.CompletedTask;
        });
        // A field bound as any JSON value is documented as what it is: a whole number where marked, else any value (inline,
        // not a component named after System.Text.Json's JsonElement, which generators took for an object type).
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (!IsAnyValue(context.JsonTypeInfo.Type)) return Task.CompletedTask;
            if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(WholeNumberAttribute), false).FirstOrDefault() is WholeNumberAttribute number)
            {
                schema.Type = JsonSchemaType.Integer;
                schema.Format = number.Id ? "int64" : "int32";
                schema.Minimum = "1";
            }
            return Task.CompletedTask;
        });
        // The document names the server it was asked from; a trailing slash doubles the first one of every path.
        options.AddDocumentTransformer((document, _, _) =>
        {
            foreach (var server in document.Servers ?? []) server.Url = server.Url?.TrimEnd('/');
            return Task.CompletedTask;
        });
    }

    /// <summary>A field bound as any JSON value (<see cref="JsonElement"/>, nullable or not).</summary>
    public static bool IsAnyValue(Type type) => (Nullable.GetUnderlyingType(type) ?? type) == typeof(JsonElement);

    /// <summary>
    /// An operation's id when its endpoint names none: its method and path in camel case, e.g. <c>GET /communication/lists/{id}</c>
    /// is <c>getCommunicationListsById</c>. Paths are the contract, so the ids stay as stable as they are.
    /// </summary>
    public static string OperationId(string method, string path)
    {
        var id = new StringBuilder(method.ToLowerInvariant());
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var isParameter = segment.StartsWith('{');
            var name = segment.Trim('{', '}');
            var colon = name.IndexOf(':');
            if (colon >= 0) name = name[..colon];
            if (isParameter) id.Append("By");
            foreach (var word in name.Split('-', '_', '.'))
            {
                if (word.Length == 0) continue;
                id.Append(char.ToUpperInvariant(word[0])).Append(word.AsSpan(1));
            }
        }
        return id.ToString();
    }
}
