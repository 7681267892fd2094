using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CommsConsole.Features.Api;

/// <summary>
/// An <see cref="AppError"/> answered in a family's envelope, with the error's status and, when the error says when to
/// ask again (a rate limit, a cap), <c>Retry-After</c> in whole seconds. Typed, so that a handler's <c>Results&lt;...&gt;</c>
/// names what it can answer.
/// </summary>
public abstract class EnvelopedError<TEnvelope> : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<TEnvelope>
{
    private readonly JsonHttpResult<TEnvelope> _json;

    private protected EnvelopedError(TEnvelope envelope, AppError error)
    {
        _json = TypedResults.Json(envelope, statusCode: error.HttpStatus);
        StatusCode = error.HttpStatus;
        RetryAfter = error.RetryAfter;
    }

    public TEnvelope Value => _json.Value!;
    object? IValueHttpResult.Value => Value;
    public int StatusCode { get; }
    int? IStatusCodeHttpResult.StatusCode => StatusCode;
    public TimeSpan? RetryAfter { get; }

    public Task ExecuteAsync(HttpContext httpContext)
    {
        if (RetryAfter is { } wait)
            httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return _json.ExecuteAsync(httpContext);
    }
}

/// <summary>An error of the /communication, /admin, /auth and /webhooks families: <see cref="SimpleResponse"/>.</summary>
public sealed class SimpleError(AppError error, TimeProvider clock)
    : EnvelopedError<SimpleResponse>(new SimpleResponse(error.HttpStatus, error.Message, ApiEnvelope.Timestamp(clock.GetUtcNow())), error);

/// <summary>An error of the /notification/sms family (document 003): <c>{code, message, data: null}</c>, code being the business code when there is one.</summary>
public sealed class NotificationError(AppError error)
    : EnvelopedError<NotificationResponse<object>>(new NotificationResponse<object>(error.Code ?? error.HttpStatus, error.Message, null), error);
