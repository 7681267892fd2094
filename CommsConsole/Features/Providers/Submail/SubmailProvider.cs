using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace CommsConsole.Features.Providers.Submail;

/// <summary>
/// Sends SMS through SUBMAIL's <c>sms/batchsend</c>: one request per distinct text (and batch, since the batch id
/// travels as <c>tag</c>) and per 10,000 numbers. Never retries: a failure is answered per message and dispatch
/// decides when to try again.
/// </summary>
public sealed class SubmailProvider : IMessageProvider
{
    public const int MaxNumbersPerRequest = 10_000;
    public const int MaxContentLength = 1_000;
    public const int MaxTagLength = 32;
    /// <summary>The longest answer read: SUBMAIL's to 10,000 numbers is well under a megabyte; more is not SUBMAIL.</summary>
    public const int MaxAnswerBytes = 16 * 1024 * 1024;

    private readonly HttpClient _http;
    private readonly SubmailOptions _options;
    private readonly SubmailSigner _signer;
    private readonly Uri _endpoint;

    public SubmailProvider(HttpClient http, SubmailOptions options, TimeProvider clock)
    {
        _http = http;
        _options = options;
        _signer = new SubmailSigner(options, clock);
        _endpoint = new Uri(options.BaseUrl.TrimEnd('/') + "/sms/batchsend");
    }

    public string Name => "submail";

    public decimal UnitPrice => _options.UnitPrice;

    public bool Supports(Channel channel) => channel == Channel.Sms;

    public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken ct)
    {
        var results = new Dictionary<long, SendResult>(messages.Count);
        var groups = messages
            .Select(m => (Message: m, Content: WithSignature(m.Content)))
            .GroupBy(x => (x.Content, x.Message.BatchId));
        foreach (var group in groups)
        {
            var content = group.Key.Content;
            var rows = group.Select(x => x.Message).ToList();
            if (content.EnumerateRunes().Count() > MaxContentLength)
            {
                foreach (var m in rows)
                    results[m.Id] = SendResult.Permanent(m.Id, $"SMS content is longer than SUBMAIL's {MaxContentLength} characters");
                continue;
            }
            // A comma would split one number into two inside "to" and shift every answer after it.
            foreach (var m in rows.Where(m => m.Recipient.Contains(',') || string.IsNullOrWhiteSpace(m.Recipient)))
                results[m.Id] = SendResult.Permanent(m.Id, "not a phone number SUBMAIL can take");
            rows.RemoveAll(m => results.ContainsKey(m.Id));
            foreach (var part in rows.Chunk(MaxNumbersPerRequest))
            {
                foreach (var r in await SendOneAsync(part, content, group.Key.BatchId, ct))
                    results[r.MessageId] = r;
            }
        }
        return messages.Select(m => results[m.Id]).ToList();
    }

    /// <summary>SUBMAIL wants the 【signature】 first; the configured one is added unless the text already starts with one.</summary>
    public string WithSignature(string content)
    {
        if (StartsWithSignature(content) || string.IsNullOrEmpty(_options.Signature)) return content;
        return _options.Signature + content;
    }

    internal static bool StartsWithSignature(string content)
    {
        if (!content.StartsWith('【')) return false;
        var close = content.IndexOf('】', 1);
        return close > 1;
    }

    private async Task<IReadOnlyList<SendResult>> SendOneAsync(OutboundMessage[] part, string content, long batchId, CancellationToken ct)
    {
        var tag = batchId.ToString(CultureInfo.InvariantCulture);
        if (tag.Length > MaxTagLength) tag = tag[..MaxTagLength];
        var form = _signer.BuildForm(
        [
            new("to", string.Join(',', part.Select(m => m.Recipient))),
            new("content", content),
            new("tag", tag),
        ]);

        string body;
        HttpStatusCode status;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new FormUrlEncodedContent(form) };
            using var response = await _http.SendAsync(request, ct);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            // HttpClient.Timeout surfaces as a TaskCanceledException the caller did not ask for.
            return AllTransient(part, $"SUBMAIL did not answer in time: {ex.Message}");
        }
        catch (Polly.Timeout.TimeoutRejectedException ex)
        {
            return AllTransient(part, $"SUBMAIL did not answer in time: {ex.Message}");
        }
        catch (HttpRequestException ex) when (ex.InnerException is Security.NetworkTargetRefusedException refused)
        {
            // Retrying cannot help: the account's address has to change.
            return part.Select(m => SendResult.Permanent(m.Id, $"SUBMAIL address refused: {refused.Message}")).ToList();
        }
        catch (HttpRequestException ex)
        {
            return AllTransient(part, $"SUBMAIL could not be reached: {ex.Message}");
        }
        // Polly's BrokenCircuitException (the host has been failing) goes up to the failover, which sends elsewhere.

        JsonDocument? doc = null;
        try
        {
            try { doc = JsonDocument.Parse(body); }
            catch (JsonException) { }

            var root = doc?.RootElement;
            var answer = root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String
                ? s.GetString() : null;

            if (answer == "error")
            {
                var code = ReadString(root!.Value, "code");
                var msg = ReadString(root.Value, "msg");
                var error = $"SUBMAIL error {code}: {msg}";
                return SubmailErrors.IsPermanent(code)
                    ? part.Select(m => SendResult.Permanent(m.Id, error, body)).ToList()
                    : AllTransient(part, error, body);
            }
            if ((int)status >= 500 || answer != "success" || !root!.Value.TryGetProperty("responses", out var responses) || responses.ValueKind != JsonValueKind.Array)
            {
                return AllTransient(part, $"SUBMAIL answered HTTP {(int)status} without a usable result", body);
            }
            return MapResponses(part, responses);
        }
        finally
        {
            doc?.Dispose();
        }
    }

    /// <summary>Matches per-number answers to messages by number; a number sent twice takes its answers in order.</summary>
    private List<SendResult> MapResponses(OutboundMessage[] part, JsonElement responses)
    {
        var items = responses.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object).ToList();
        // Each answer is queued under the number as written and under its digits alone (SUBMAIL may drop a "+").
        var byNumber = new Dictionary<string, Queue<int>>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var to = ReadString(items[i], "to") ?? "";
            foreach (var key in new[] { to, Digits(to) }.Distinct())
            {
                if (!byNumber.TryGetValue(key, out var q)) byNumber[key] = q = new Queue<int>();
                q.Enqueue(i);
            }
        }

        var used = new HashSet<int>();
        var results = new List<SendResult>(part.Length);
        foreach (var m in part)
        {
            var index = Take(byNumber, m.Recipient, used) ?? Take(byNumber, Digits(m.Recipient), used);
            if (index is not { } found)
            {
                results.Add(SendResult.Transient(m.Id, "SUBMAIL's answer had no result for this number"));
                continue;
            }
            var e = items[found];
            var raw = e.GetRawText();
            if (ReadString(e, "status") == "success")
            {
                var fee = ReadDecimal(e, "fee") ?? 1m;
                results.Add(new SendResult(m.Id, SendResultKind.Sent, ThirdPartyId: ReadString(e, "send_id"), ThirdPartyStatus: "success",
                    Response: raw, Cost: fee * _options.UnitPrice));
                continue;
            }
            var code = ReadString(e, "code");
            var error = $"SUBMAIL refused this number: {code} {ReadString(e, "msg")}".TrimEnd();
            results.Add(new SendResult(m.Id, SubmailErrors.IsPermanent(code) ? SendResultKind.PermanentFailure : SendResultKind.TransientFailure,
                ThirdPartyStatus: code, Response: raw, Error: error));
        }
        return results;
    }

    private static int? Take(Dictionary<string, Queue<int>> byNumber, string key, HashSet<int> used)
    {
        if (key.Length == 0 || !byNumber.TryGetValue(key, out var q)) return null;
        while (q.TryDequeue(out var i))
        {
            if (used.Add(i)) return i;
        }
        return null;
    }

    private static List<SendResult> AllTransient(IEnumerable<OutboundMessage> part, string error, string? response = null) =>
        part.Select(m => SendResult.Transient(m.Id, error, response)).ToList();

    private static string Digits(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s) if (char.IsAsciiDigit(c)) sb.Append(c);
        return sb.ToString();
    }

    private static string? ReadString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    private static decimal? ReadDecimal(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d)) return d;
        if (v.ValueKind == JsonValueKind.String && decimal.TryParse(v.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out d)) return d;
        return null;
    }
}
