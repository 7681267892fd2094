using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace CommsConsole.Features.Api;

/// <summary>dto.SimpleResponse: the error envelope of the /communication, /admin and /auth families.</summary>
[DocumentName("dto.SimpleResponse")]
public sealed record SimpleResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("timestamp")] string Timestamp);

/// <summary>The {code, message, data} envelope of the /notification/sms family (document 003).</summary>
public sealed record NotificationResponse<T>(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("data")] T? Data);

/// <summary>Writes errors in the envelope of the family a path belongs to, from endpoints and from the pipeline alike.</summary>
public static class ApiEnvelope
{
    public const string NotificationOk = "操作成功";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static bool IsApiPath(PathString path) =>
        path.StartsWithSegments("/communication") || path.StartsWithSegments("/notification") ||
        path.StartsWithSegments("/admin") || path.StartsWithSegments("/auth") || path.StartsWithSegments("/webhooks");

    public static bool IsNotificationPath(PathString path) => path.StartsWithSegments("/notification");

    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    public static SimpleError Simple(AppError error, TimeProvider clock) => new(error, clock);

    public static NotificationError Notification(AppError error) => new(error);

    /// <summary>An error in the envelope of the family the request's path belongs to.</summary>
    public static IResult Error(HttpContext http, AppError error) => IsNotificationPath(http.Request.Path)
        ? Notification(error)
        : Simple(error, http.RequestServices.GetRequiredService<TimeProvider>());

    public static Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        var clock = context.RequestServices.GetRequiredService<TimeProvider>();
        object body = IsNotificationPath(context.Request.Path)
            ? new NotificationResponse<object>(status, message, null)
            : new SimpleResponse(status, message, Timestamp(clock.GetUtcNow()));
        return context.Response.WriteAsJsonAsync(body, body.GetType(), Json);
    }

    /// <summary>
    /// Turns what the pipeline throws for an API path into its envelope: unreadable bodies and parameters
    /// (400 naming the field), and anything unexpected (500 without details).
    /// </summary>
    public static void UseApiErrorEnvelopes(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
            // A malformed request is the caller's mistake, answered with a 400; only real faults are logged as errors.
            SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException,
            ExceptionHandler = async context =>
            {
                var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                if (!IsApiPath(context.Request.Path))
                {
                    context.Response.Redirect("/Error");
                    return;
                }
                if (error is BadHttpRequestException bad)
                {
                    await WriteErrorAsync(context, bad.StatusCode, Describe(bad));
                    return;
                }
                await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "internal error");
            },
        });
    }

    /// <summary>
    /// The API takes JSON bodies (the webhooks also take forms). A body of another type would not match any API
    /// endpoint and would fall through to the console's pages; it is answered 415 in the family's envelope instead.
    /// </summary>
    public static void UseApiJsonBodies(this WebApplication app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody && IsApiPath(request.Path) && !request.Path.StartsWithSegments("/webhooks") && !request.HasJsonContentType() && !EndpointAccepts(context))
        {
            await WriteErrorAsync(context, StatusCodes.Status415UnsupportedMediaType,
                $"body: expected Content-Type application/json, got '{request.ContentType ?? "none"}'");
            return;
        }
        await next(context);
    });

    /// <summary>An endpoint that declares another body type (a CSV upload's multipart form) takes it.</summary>
    private static bool EndpointAccepts(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>() is { } accepts
        && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type)
        && accepts.ContentTypes.Any(t => type.MediaType.Equals(t, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// An API path answers in its family's envelope even where no endpoint does: an unknown path is a 404, a known path
    /// with another method a 405 with an <c>Allow</c> header, never the console's not-found page or its sign-in
    /// redirect. Generic by prefix, so endpoints added to a family later need nothing here. Goes after the status code
    /// pages, which it turns off for API paths.
    /// </summary>
    public static void UseApiStatusEnvelopes(this WebApplication app)
    {
        var routes = new Lazy<ApiRoutes>(() => new ApiRoutes(app.Services.GetRequiredService<EndpointDataSource>()));
        app.Use(async (context, next) =>
        {
            if (!IsApiPath(context.Request.Path))
            {
                await next(context);
                return;
            }
            if (context.Features.Get<IStatusCodePagesFeature>() is { } pages) pages.Enabled = false;
            await next(context);
            var response = context.Response;
            if (response.StatusCode < 400 || response.HasStarted || response.ContentType is not null || response.ContentLength is not null) return;
            var request = context.Request;
            // Only when no API endpoint was chosen: one that answered 404 itself meant its resource, not its path.
            var routed = context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } raw } && IsApiPath("/" + raw.TrimStart('/'));
            if (!routed && response.StatusCode is StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed)
            {
                // Routing's own 405 also counts the console's catch-all file route (GET, HEAD): ask the API's routes only.
                var allowed = routes.Value.MethodsFor(request.Path);
                if (allowed.Count == 0)
                {
                    response.Headers.Remove(HeaderNames.Allow);
                    await WriteErrorAsync(context, StatusCodes.Status404NotFound, $"path: no endpoint answers {request.Method} {request.Path}");
                    return;
                }
                response.Headers.Allow = string.Join(", ", allowed);
                await WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed,
                    $"method: {request.Method} is not allowed on {request.Path}; allowed: {string.Join(", ", allowed)}");
                return;
            }
            var reason = ReasonPhrases.GetReasonPhrase(response.StatusCode);
            await WriteErrorAsync(context, response.StatusCode, reason.Length > 0 ? reason.ToLowerInvariant() : "request failed");
        });
    }

    /// <summary>The API's endpoints by path, to tell an unknown path (404) from a known one asked with another method (405).</summary>
    private sealed class ApiRoutes(EndpointDataSource endpoints)
    {
        private readonly Lazy<List<(TemplateMatcher Matcher, IReadOnlyList<string> Methods)>> _routes = new(() => endpoints.Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && IsApiPath("/" + raw.TrimStart('/')))
            .Select(e => (Matcher: new TemplateMatcher(new RouteTemplate(e.RoutePattern), new RouteValueDictionary()),
                Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(r => r.Methods.Count > 0)
            .ToList());

        public IReadOnlyList<string> MethodsFor(PathString path) => _routes.Value
            .Where(r => r.Matcher.TryMatch(path, new RouteValueDictionary()))
            .SelectMany(r => r.Methods).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
    }

    private static string Describe(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            var path = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "body" : json.Path.TrimStart('$', '.');
            var reason = json.InnerException is InvalidOperationException text
                // Such as a lone UTF-16 surrogate (\uD800) inside a string: the type is right, the text is not.
                ? "is not valid text: " + FirstSentence(text.Message)
                : json.Message.Contains("could not be converted", StringComparison.Ordinal)
                    ? "has the wrong type"
                    : "is not valid JSON: " + FirstSentence(json.Message);
            return $"{path} {reason}";
        }
        return FirstSentence(bad.Message);
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim();
    }
}
