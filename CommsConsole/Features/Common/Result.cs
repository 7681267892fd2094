using System.Diagnostics.CodeAnalysis;

namespace CommsConsole.Features.Common;

public readonly struct Result<T>
{
    private Result(T? value, AppError? error) { Value = value; Error = error; }

    public T? Value { get; }
    public AppError? Error { get; }
    public bool IsOk => Error is null;

    /// <summary>A success, for values an implicit conversion cannot take (interfaces such as a query).</summary>
    public static Result<T> Ok(T value) => new(value, null);

    public static implicit operator Result<T>(T value) => new(value, null);
    public static implicit operator Result<T>(AppError error) => new(default, error);
}
