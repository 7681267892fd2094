namespace CommsConsole.Features.Common;

public enum ErrorKind { Validation, NotFound, Forbidden, Conflict, Unauthorized, TooManyRequests }

/// <summary>
/// A refused command or query. <see cref="Code"/> is the business code of the /notification/sms face
/// (1001–1005) when one applies; each API face renders the error in its own envelope.
/// </summary>
public sealed record AppError(ErrorKind Kind, string Message, int? Code = null)
{
    /// <summary>For <see cref="ErrorKind.TooManyRequests"/>: how long to wait before asking again (the API's <c>Retry-After</c>).</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static AppError Validation(string message, int? code = null) => new(ErrorKind.Validation, message, code);
    public static AppError NotFound(string message, int? code = null) => new(ErrorKind.NotFound, message, code);
    public static AppError Forbidden(string message) => new(ErrorKind.Forbidden, message);
    public static AppError Conflict(string message, int? code = null) => new(ErrorKind.Conflict, message, code);

    public int HttpStatus => Kind switch
    {
        ErrorKind.Validation => StatusCodes.Status400BadRequest,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        _ => StatusCodes.Status429TooManyRequests,
    };
}

public readonly struct Result<T>
{
    private Result(T? value, AppError? error) { Value = value; Error = error; }

    public T? Value { get; }
    public AppError? Error { get; }
    public bool IsOk => Error is null;

    public static implicit operator Result<T>(T value) => new(value, null);
    public static implicit operator Result<T>(AppError error) => new(default, error);
}
