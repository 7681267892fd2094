using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Api;

/// <summary>
/// A 200 answer whose JSON is written whole into the response's buffer and then flushed once. ASP.NET Core's own
/// (<c>TypedResults.Ok</c>) serialises asynchronously and flushes every few kilobytes: a send's answer of 10,000 items
/// (4.5 MB) is some 300 flushes, and while other requests keep the thread pool busy each waits its turn behind their
/// work, so a send answered in 0.2 s took a further 0.6–1 s to write its answer. Serialised in one go on the request's
/// thread, the answer costs its CPU time and one wait. For big answers; small ones gain nothing.
/// </summary>
public sealed class WholeJson<T>(T value) : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<T>, IEndpointMetadataProvider
{
    public T Value { get; } = value;

    object? IValueHttpResult.Value => Value;

    public int StatusCode => StatusCodes.Status200OK;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var options = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.ContentType = "application/json; charset=utf-8";
        // The response's pipe is the buffer: the writer takes its memory and advances it, and nothing is sent before the flush.
        await using (var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Encoder = options.Encoder, Indented = options.WriteIndented, SkipValidation = true }))
        {
            JsonSerializer.Serialize(writer, Value, options);
        }
        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }

    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
}
