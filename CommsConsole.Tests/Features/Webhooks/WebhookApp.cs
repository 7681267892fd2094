using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CommsConsole.Testing;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features.Webhooks;

/// <summary>
/// The app with webhook deliveries quick to observe: retries after a fifth of a second, a three-second timeout per attempt,
/// idle workers looking every tenth of a second. Private targets are allowed, as for every test app: the receiver is on 127.0.0.1.
/// </summary>
public sealed class WebhookApp() : AppFactory(null, new Dictionary<string, string?>
{
    ["Webhooks:RetryDelaysSeconds"] = "0.2,0.2,0.2,0.2,0.2,0.2",
    ["Webhooks:TimeoutSeconds"] = "3",
    ["Webhooks:PollSeconds"] = "0.1",
});

[CollectionDefinition(Name)]
public sealed class WebhookCollection : ICollectionFixture<WebhookApp>
{
    public const string Name = "webhooks";
}

public static class WebhookHelpers
{
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PatchAsync(this HttpClient client, string path, object body)
    {
        var response = await client.PatchAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Registers an endpoint for <paramref name="events"/> (all message events unless given); returns its id and secret.</summary>
    public static async Task<(long Id, string Secret)> EndpointAsync(this HttpClient admin, string url, params string[] events)
    {
        var (status, body) = await admin.PostAsync("/webhooks/endpoints", new
        {
            url, description = "test receiver",
            events = events.Length > 0 ? events : ["message.sent", "message.delivered", "message.failed", "message.suppressed"],
        });
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        return (body.Long("id"), body.Str("secret"));
    }

    /// <summary>Waits until the receiver has had at least <paramref name="count"/> requests.</summary>
    public static async Task WaitForAsync(this WebhookReceiver receiver, int count, string because, int seconds = 30)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (receiver.Requests.Count < count)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"{because}: {receiver.Requests.Count} of {count} requests arrived");
            await Task.Delay(50);
        }
    }
}
