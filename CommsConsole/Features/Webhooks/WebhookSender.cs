using System.Net.Http.Headers;
using System.Text;
using CommsConsole.Data;
using CommsConsole.Features.Security;
using Microsoft.Extensions.Options;
using StandardWebhooks;

namespace CommsConsole.Features.Webhooks;

/// <summary>What one attempt got: the status code (none when no answer came), how long it took, the first kilobyte of the answer, or why it failed.</summary>
public sealed record WebhookAttemptResult(int? StatusCode, int LatencyMs, string? Excerpt, string? Error)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
    public bool Gone => StatusCode == 410;
}

/// <summary>
/// Sends one signed delivery per the Standard Webhooks specification: <c>webhook-id</c>, <c>webhook-timestamp</c> and
/// <c>webhook-signature</c> (<c>v1,</c> and the base64 HMAC-SHA256 of <c>id.timestamp.body</c>; during a rotation's
/// overlap one signature per valid secret, space-separated). Connects only where the network target guard allows, follows
/// no redirect, and bounds each attempt by <see cref="WebhookOptions.TimeoutSeconds"/>; of the answer only the first
/// kilobyte is read.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory http, TimeProvider clock, IOptions<WebhookOptions> options)
{
    public const string HttpClientName = "webhooks";

    /// <summary>The secrets an endpoint signs with at <paramref name="now"/>: the current one, then the previous during its overlap.</summary>
    public static IReadOnlyList<string> SigningSecrets(WebhookEndpoint endpoint, WebhookSecrets secrets, DateTimeOffset now)
    {
        var keys = new List<string>(2) { secrets.Unprotect(endpoint.ProtectedSecret) };
        if (endpoint.ProtectedPreviousSecret is { } previous && endpoint.PreviousSecretUntil > now) keys.Add(secrets.Unprotect(previous));
        return keys;
    }

    public static string Signature(IReadOnlyList<string> keys, string webhookId, DateTimeOffset timestamp, string body) =>
        string.Join(' ', keys.Select(k => new StandardWebhook(k).Sign(webhookId, timestamp, body)));

    /// <summary>The <c>webhook-id</c> of a delivery: the same on every attempt and resend, so that receivers can drop repeats.</summary>
    public static string WebhookId(long deliveryId) => "msg_" + deliveryId;

    public async Task<WebhookAttemptResult> SendAsync(string url, IReadOnlyList<string> keys, long deliveryId, string body, CancellationToken ct)
    {
        var timestamp = clock.GetUtcNow();
        var id = WebhookId(deliveryId);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("webhook-id", id);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", Signature(keys, id, timestamp, body));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("CommsConsole-Webhooks", "1"));

        var timeout = TimeSpan.FromSeconds(options.Value.TimeoutSeconds);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var started = clock.GetTimestamp();
        int Elapsed() => (int)Math.Min(int.MaxValue, clock.GetElapsedTime(started).TotalMilliseconds);
        HttpResponseMessage response;
        try
        {
            response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new(null, Elapsed(), null, $"no answer within {timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException ex) when (ex.InnerException is NetworkTargetRefusedException refused)
        {
            return new(null, Elapsed(), null, Bounded($"address refused: {refused.Message}"));
        }
        catch (HttpRequestException ex)
        {
            return new(null, Elapsed(), null, Bounded(ex.Message));
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            var latency = Elapsed();
            string? excerpt;
            try
            {
                excerpt = await ExcerptAsync(response, deadline.Token);
            }
            catch (Exception ex) when ((ex is OperationCanceledException or HttpRequestException or IOException) && !ct.IsCancellationRequested)
            {
                // The status line counts; a body that never ends or breaks off only loses its excerpt.
                excerpt = null;
            }
            return new(status, latency, excerpt, null);
        }
    }

    /// <summary>The first kilobyte of the answer as text; the rest is never read.</summary>
    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[WebhookAttempt.MaxExcerpt];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), ct);
            if (n == 0) break;
            read += n;
        }
        if (read == 0) return null;
        var text = Encoding.UTF8.GetString(buffer, 0, read);
        return text.Length <= WebhookAttempt.MaxExcerpt ? text : text[..WebhookAttempt.MaxExcerpt];
    }

    private static string Bounded(string s) => s.Length <= 500 ? s : s[..500];
}
