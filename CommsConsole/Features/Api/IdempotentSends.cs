using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hangfire;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace CommsConsole.Features.Api;

/// <summary>Marks an endpoint that takes an <c>Idempotency-Key</c> (read by the OpenAPI document).</summary>
public sealed class IdempotentSendMetadata
{
    public static readonly IdempotentSendMetadata Instance = new();
}

/// <summary>
/// The <c>Idempotency-Key</c> header of the send endpoints (IETF draft "The Idempotency-Key HTTP Header Field"), one
/// endpoint filter for all of them. The same key from the same user with the same request within the key's lifetime
/// answers what the first answered (with <c>Idempotent-Replayed: true</c>) without running again; while the first runs, 409
/// with <c>Retry-After</c>; with another request (method, path or body), 422. Only a 2xx answer is stored: an answer that
/// is not 2xx sent nothing, so its key is released and the request may be made again under it. A request without the
/// header is untouched.
/// </summary>
public static class IdempotentSends
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const string Description =
        "Optional. 1 to 255 printable ASCII characters, unique per request (a UUID, say). The same key from the same user with the same method, path and body " +
        "within 24 hours answers what the first request answered (with `Idempotent-Replayed: true`) and sends nothing again; while the first request is still running " +
        "the answer is 409 with `Retry-After`; the same key with another request is 422. Only successful (2xx) answers are kept: after an error the key may be used again.";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void AddIdempotentSends(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.Section);
        builder.Services.AddSingleton<IdempotencyStore>();
        builder.Services.AddTransient<IdempotencyPurgeJob>();
    }

    public static void MapIdempotentSends(this WebApplication app)
    {
        var cron = app.Services.GetRequiredService<IOptions<IdempotencyOptions>>().Value.PurgeCron;
        app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<IdempotencyPurgeJob>(IdempotencyPurgeJob.RecurringId, j => j.RunAsync(CancellationToken.None), cron);
    }

    /// <summary>Lets the endpoint take an <c>Idempotency-Key</c>; its errors are answered in <typeparamref name="TEnvelope"/>, its face's envelope.</summary>
    public static RouteHandlerBuilder WithIdempotencyKey<TEnvelope>(this RouteHandlerBuilder builder) => builder
        .WithMetadata(IdempotentSendMetadata.Instance)
        .Produces<TEnvelope>(StatusCodes.Status409Conflict)
        .Produces<TEnvelope>(StatusCodes.Status422UnprocessableEntity)
        .AddEndpointFilterFactory((factory, next) =>
        {
            var parameters = factory.MethodInfo.GetParameters();
            var bodyIndex = Array.FindIndex(parameters, p => p.GetCustomAttribute<FromBodyAttribute>() is not null);
            var tokenIndexes = parameters.Select((p, i) => (p, i)).Where(x => x.p.ParameterType == typeof(CancellationToken)).Select(x => x.i).ToArray();
            return invocation => RunAsync(invocation, bodyIndex, tokenIndexes, next);
        });

    /// <summary>Adds the header as a parameter of the operations that take it.</summary>
    public static void AddIdempotencyKeyParameter(this Microsoft.AspNetCore.OpenApi.OpenApiOptions options) =>
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IdempotentSendMetadata>().Any())
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = Header, In = ParameterLocation.Header, Required = false, Description = Description,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = Data.IdempotencyKey.MaxKeyLength },
                });
            }
            return Task.CompletedTask;
        });

    private static async ValueTask<object?> RunAsync(EndpointFilterInvocationContext invocation, int bodyIndex, int[] tokenIndexes, EndpointFilterDelegate next)
    {
        var http = invocation.HttpContext;
        var values = http.Request.Headers[Header];
        if (values.Count == 0) return await next(invocation);
        if (ParseKey(values) is not { } key)
            return ApiEnvelope.Error(http, AppError.Validation($"Idempotency-Key: one key of 1 to {Data.IdempotencyKey.MaxKeyLength} printable ASCII characters"));
        // The send endpoints require an authenticated caller; one without is refused before this filter.
        if (Caller.From(http.User) is not { } caller) return await next(invocation);

        var store = http.RequestServices.GetRequiredService<IdempotencyStore>();
        var hash = Fingerprint(http.Request, bodyIndex >= 0 ? invocation.Arguments[bodyIndex] : null);
        switch (await store.ClaimAsync(caller.TenantId, caller.UserId, key, hash, http.RequestAborted))
        {
            case IdempotencyClaim.Done done:
                http.Response.Headers[ReplayedHeader] = "true";
                return await WriteAsync(http, done.StatusCode, done.ContentType, done.Body);
            case IdempotencyClaim.Running:
                return ApiEnvelope.Error(http, AppError.Conflict("Idempotency-Key: a request with this key is still running; ask again shortly") with { RetryAfter = TimeSpan.FromSeconds(1) });
            case IdempotencyClaim.OtherRequest:
                return ApiEnvelope.Error(http, AppError.Unprocessable("Idempotency-Key: already used with another request (method, path or body); use a new key for a new request"));
        }

        // From here the key is ours: stored with a 2xx answer, else released; never left running by a failure.
        // A caller that gives up (a client timeout) does not stop the request: it may already have written its messages,
        // and the answer must be stored for the caller's retry to replay rather than released for it to send again.
        foreach (var i in tokenIndexes) invocation.Arguments[i] = CancellationToken.None;
        byte[] body;
        int status;
        string? contentType;
        try
        {
            var result = await next(invocation);
            (status, contentType, body) = await RenderAsync(http, result);
        }
        catch
        {
            await store.ReleaseAsync(caller.TenantId, caller.UserId, key, CancellationToken.None);
            throw;
        }
        try
        {
            if (status is >= 200 and < 300) await store.CompleteAsync(caller.TenantId, caller.UserId, key, status, contentType, body, CancellationToken.None);
            else await store.ReleaseAsync(caller.TenantId, caller.UserId, key, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The request ran: its caller still gets its answer. The key stays running (409) until it expires, which
            // never sends twice, where failing the answer would invite a retry with a new key.
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(IdempotentSends))
                .LogError(ex, "Could not store the answer of an idempotent request ({Status})", status);
        }
        return await WriteAsync(http, status, contentType, body);
    }

    /// <summary>The key, unquoted when sent as a structured-field string (<c>"abc"</c>), or null when it is not one valid key.</summary>
    internal static string? ParseKey(Microsoft.Extensions.Primitives.StringValues values)
    {
        if (values.Count != 1 || values[0] is not { } raw) return null;
        var key = raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"' ? raw[1..^1] : raw;
        if (key.Length is 0 or > Data.IdempotencyKey.MaxKeyLength) return null;
        foreach (var c in key)
            if (c is < ' ' or > '~') return null;
        return key;
    }

    /// <summary>SHA-256 of the method, the path and the body as the endpoint read it.</summary>
    private static string Fingerprint(HttpRequest request, object? body)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.PathBase}{request.Path}{request.QueryString}\n"));
        sha.AppendData(body is null ? "null"u8 : JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Runs the endpoint's result into memory, to store it as well as answer it.</summary>
    private static async Task<(int Status, string? ContentType, byte[] Body)> RenderAsync(HttpContext http, object? result)
    {
        if (result is not IResult answer) answer = TypedResults.Ok(result);
        var original = http.Features.Get<IHttpResponseBodyFeature>()!;
        using var buffer = new MemoryStream();
        var capture = new StreamResponseBodyFeature(buffer);
        http.Features.Set<IHttpResponseBodyFeature>(capture);
        try
        {
            await answer.ExecuteAsync(http);
            await capture.CompleteAsync();
        }
        finally
        {
            http.Features.Set(original);
        }
        return (http.Response.StatusCode, http.Response.ContentType, buffer.ToArray());
    }

    private static async Task<IResult> WriteAsync(HttpContext http, int status, string? contentType, byte[] body)
    {
        var response = http.Response;
        response.StatusCode = status;
        if (contentType is not null) response.ContentType = contentType;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, http.RequestAborted);
        return Results.Empty;
    }
}
