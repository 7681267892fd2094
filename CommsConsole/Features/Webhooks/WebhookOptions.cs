using System.Globalization;

namespace CommsConsole.Features.Webhooks;

public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// Seconds to wait after each failed attempt, comma-separated: after the last one the delivery gives up. The default is
    /// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h (seven attempts over about 18 hours).
    /// </summary>
    public string RetryDelaysSeconds { get; set; } = "5,300,1800,7200,18000,36000";

    /// <summary>How long one attempt may take, connection, answer and the first kilobyte of its body included.</summary>
    public double TimeoutSeconds { get; set; } = 10;

    /// <summary>Requests in flight at once to one endpoint.</summary>
    public int PerEndpointConcurrency { get; set; } = 8;

    /// <summary>Deliveries one worker claims at a time.</summary>
    public int ClaimSize { get; set; } = 200;

    /// <summary>Delivery loops per node.</summary>
    public int Workers { get; set; } = 2;

    /// <summary>How often an idle worker looks for due deliveries (new events wake it at once on their own node).</summary>
    public double PollSeconds { get; set; } = 1;

    /// <summary>
    /// How long a claim holds its deliveries; a node that dies holding them leaves them to another after this. Longer than
    /// a claim can take against an endpoint that never answers (two loops × <see cref="ClaimSize"/> / <see cref="PerEndpointConcurrency"/> × <see cref="TimeoutSeconds"/>).
    /// </summary>
    public double LeaseSeconds { get; set; } = 900;

    /// <summary>How long the fact "some endpoint wants event X" is cached before the database is asked again.</summary>
    public double SubscriptionCacheSeconds { get; set; } = 5;

    /// <summary>An endpoint failing every attempt for this long is disabled, with a notice in the console.</summary>
    public double DisableAfterFailingHours { get; set; } = 120;

    /// <summary>How long the previous secret also signs after a rotation.</summary>
    public double PreviousSecretHours { get; set; } = 24;

    /// <summary>Endpoints a tenant may register.</summary>
    public int MaxEndpointsPerTenant { get; set; } = 50;

    public IReadOnlyList<TimeSpan> RetryDelays() => RetryDelaysSeconds
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(s => TimeSpan.FromSeconds(double.Parse(s, CultureInfo.InvariantCulture)))
        .ToList();
}
