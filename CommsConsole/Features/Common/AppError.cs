using System.Diagnostics.CodeAnalysis;

namespace CommsConsole.Features.Common;

/// <summary>
/// A refused command or query. <see cref="Code"/> is the business code of the /notification/sms face
/// (1001–1005) when one applies; each API face renders the error in its own envelope with <see cref="Message"/>,
/// the console in the user's language from <see cref="Text"/>.
/// </summary>
public sealed record AppError(ErrorKind Kind, ErrorText Text, int? Code = null)
{
    /// <summary>The text in English, as the APIs answer it.</summary>
    public string Message => Text.Message;

    /// <summary>For <see cref="ErrorKind.TooManyRequests"/>: how long to wait before asking again (the API's <c>Retry-After</c>).</summary>
    public TimeSpan? RetryAfter { get; init; }

    // A plain string must be written text ([ConstantExpected]: CA1857 refuses a variable), so every error's words can be
    // found and translated; values go in through an interpolated string, which keeps them apart.
    public static AppError Validation([ConstantExpected] string message, int? code = null) => new(ErrorKind.Validation, ErrorText.Of(message), code);
    public static AppError Validation(ErrorTextHandler message, int? code = null) => new(ErrorKind.Validation, message.ToErrorText(), code);
    public static AppError Validation(ErrorText message, int? code = null) => new(ErrorKind.Validation, message, code);
    public static AppError NotFound([ConstantExpected] string message, int? code = null) => new(ErrorKind.NotFound, ErrorText.Of(message), code);
    public static AppError NotFound(ErrorTextHandler message, int? code = null) => new(ErrorKind.NotFound, message.ToErrorText(), code);
    public static AppError Forbidden([ConstantExpected] string message) => new(ErrorKind.Forbidden, ErrorText.Of(message));
    public static AppError Forbidden(ErrorTextHandler message) => new(ErrorKind.Forbidden, message.ToErrorText());
    public static AppError Conflict([ConstantExpected] string message, int? code = null) => new(ErrorKind.Conflict, ErrorText.Of(message), code);
    public static AppError Conflict(ErrorTextHandler message, int? code = null) => new(ErrorKind.Conflict, message.ToErrorText(), code);
    public static AppError Unauthorized([ConstantExpected] string message) => new(ErrorKind.Unauthorized, ErrorText.Of(message));
    /// <summary>Well-formed but not acceptable as it stands (422), such as a request reusing another request's idempotency key.</summary>
    public static AppError Unprocessable([ConstantExpected] string message, int? code = null) => new(ErrorKind.Unprocessable, ErrorText.Of(message), code);
    public static AppError Unprocessable(ErrorTextHandler message, int? code = null) => new(ErrorKind.Unprocessable, message.ToErrorText(), code);
    public static AppError TooManyRequests(ErrorTextHandler message, TimeSpan retryAfter, int? code = null) =>
        new(ErrorKind.TooManyRequests, message.ToErrorText(), code) { RetryAfter = retryAfter };

    public int HttpStatus => Kind switch
    {
        ErrorKind.Validation => StatusCodes.Status400BadRequest,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        _ => StatusCodes.Status429TooManyRequests,
    };
}
