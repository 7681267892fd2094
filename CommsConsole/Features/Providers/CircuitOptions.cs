namespace CommsConsole.Features.Providers;

/// <summary>When a provider counts as failing: the circuit breaker of each tenant's primary provider.</summary>
public sealed class CircuitOptions
{
    public const string Section = "Providers:Circuit";
    /// <summary>Share of failed chunks within <see cref="SamplingSeconds"/> that opens the circuit.</summary>
    public double FailureRatio { get; set; } = 0.5;
    /// <summary>Chunks sent within <see cref="SamplingSeconds"/> before the ratio counts.</summary>
    public int MinimumThroughput { get; set; } = 4;
    public double SamplingSeconds { get; set; } = 60;
    /// <summary>How long the circuit stays open before one chunk tries the primary again.</summary>
    public double BreakSeconds { get; set; } = 30;
}
