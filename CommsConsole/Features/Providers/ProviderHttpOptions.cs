namespace CommsConsole.Features.Providers;

/// <summary>The HTTP pipeline of providers reached over HTTP (SUBMAIL): a timeout per request and a circuit breaker per host.</summary>
public sealed class ProviderHttpOptions
{
    public const string Section = "Providers:Http";
    public double TimeoutSeconds { get; set; } = 30;
    public double CircuitFailureRatio { get; set; } = 0.5;
    public int CircuitMinimumThroughput { get; set; } = 10;
    public double CircuitSamplingSeconds { get; set; } = 60;
    public double CircuitBreakSeconds { get; set; } = 30;
}
