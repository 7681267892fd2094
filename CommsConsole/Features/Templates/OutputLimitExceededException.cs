namespace CommsConsole.Features.Templates;

/// <summary>Thrown by <see cref="BoundedOutput"/> when a render (or a block it renders into a value) would exceed its limit.</summary>
internal sealed class OutputLimitExceededException(string message) : Exception(message);
