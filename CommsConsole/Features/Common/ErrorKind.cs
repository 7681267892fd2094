namespace CommsConsole.Features.Common;

public enum ErrorKind { Validation, NotFound, Forbidden, Conflict, Unauthorized, TooManyRequests, Unprocessable }
