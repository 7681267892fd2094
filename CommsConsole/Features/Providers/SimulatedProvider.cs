using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Providers;

public sealed class SimulatedProviderOptions
{
    public const string Section = "Providers:Simulated";

    /// <summary>Delay per chunk sent, in milliseconds.</summary>
    public int LatencyMs { get; set; }
    /// <summary>Share of messages (0–1) that fail with a transient error (retried).</summary>
    public double TransientFailureRate { get; set; }
    /// <summary>Share of messages (0–1) that fail permanently (not retried).</summary>
    public double PermanentFailureRate { get; set; }
    /// <summary>Recipients matching this regular expression are always refused permanently (for demos and tests).</summary>
    public string? RejectRecipientPattern { get; set; }
    /// <summary>Price of one SMS segment or one email.</summary>
    public decimal UnitPrice { get; set; } = 0.05m;
    /// <summary>When set, every message id received is appended to this file (one per line), surviving restarts.</summary>
    public string? RecordPath { get; set; }
    public int? Seed { get; set; }
}

/// <summary>
/// The default provider of both channels: it sends nothing, answers like a provider would, and keeps
/// a record of every message it received so duplicates can be counted.
/// </summary>
public sealed class SimulatedProvider : IMessageProvider, IDisposable
{
    private readonly SimulatedProviderOptions _options;
    private readonly Regex? _reject;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<long, int> _received = new();
    private readonly StreamWriter? _record;

    public SimulatedProvider(IOptions<SimulatedProviderOptions> options)
    {
        _options = options.Value;
        _reject = string.IsNullOrWhiteSpace(_options.RejectRecipientPattern) ? null : new Regex(_options.RejectRecipientPattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
        _random = _options.Seed is { } seed ? new Random(seed) : new Random();
        if (!string.IsNullOrWhiteSpace(_options.RecordPath))
        {
            _record = new StreamWriter(new FileStream(_options.RecordPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = false };
        }
    }

    public string Name => "simulated";

    public decimal UnitPrice => _options.UnitPrice;

    public bool Supports(Channel channel) => true;

    /// <summary>How many times each message id was received by this process.</summary>
    public IReadOnlyDictionary<long, int> Received => _received;

    public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken ct)
    {
        if (_options.LatencyMs > 0) await Task.Delay(_options.LatencyMs, ct);

        var results = new SendResult[messages.Count];
        lock (_gate)
        {
            for (var i = 0; i < messages.Count; i++)
            {
                var m = messages[i];
                var roll = _random.NextDouble();
                if (_reject?.IsMatch(m.Recipient) == true || roll < _options.PermanentFailureRate)
                {
                    results[i] = SendResult.Permanent(m.Id, "recipient rejected by the simulated provider",
                        """{"status":"error","code":"invalid_recipient"}""");
                    continue;
                }
                if (roll < _options.PermanentFailureRate + _options.TransientFailureRate)
                {
                    results[i] = SendResult.Transient(m.Id, "simulated provider timed out", """{"status":"error","code":"timeout"}""");
                    continue;
                }
                _received.AddOrUpdate(m.Id, 1, (_, n) => n + 1);
                _record?.WriteLine(m.Id);
                var sendId = Guid.NewGuid().ToString("N");
                var units = Math.Max(1, m.Segments);
                results[i] = new SendResult(m.Id, SendResultKind.Sent, ThirdPartyId: "SIM-" + sendId, ThirdPartyStatus: "success",
                    Response: JsonSerializer.Serialize(new { status = "success", send_id = sendId, fee = units }),
                    Cost: units * _options.UnitPrice);
            }
            // Flushed before the outcomes are written, so the record never misses a message marked sent.
            _record?.Flush();
        }
        return results;
    }

    public void Dispose() => _record?.Dispose();
}
