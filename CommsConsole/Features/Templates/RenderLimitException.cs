namespace CommsConsole.Features.Templates;

/// <summary>Thrown when a render would build a value, or values in all, beyond what <see cref="RenderBudget"/> allows.</summary>
internal sealed class RenderLimitException(string message) : Exception(message);
