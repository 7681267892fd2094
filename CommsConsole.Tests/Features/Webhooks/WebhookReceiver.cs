using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommsConsole.Tests.Features.Webhooks;

/// <summary>
/// A real webhook receiver on a free port of 127.0.0.1 (Kestrel): records every request it gets and answers as the test
/// says, by the request's number (1 for the first).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed record Received(string Id, string Timestamp, string Signature, string Body);

    private readonly WebApplication _app;
    private int _count;

    public ConcurrentQueue<Received> Requests { get; } = new();

    private WebhookReceiver(Func<int, HttpContext, Task>? answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var h = context.Request.Headers;
            Requests.Enqueue(new Received(h["webhook-id"].ToString(), h["webhook-timestamp"].ToString(), h["webhook-signature"].ToString(), body));
            var n = Interlocked.Increment(ref _count);
            if (answer is null) await context.Response.WriteAsync("ok");
            else await answer(n, context);
        });
    }

    public static async Task<WebhookReceiver> StartAsync(Func<int, HttpContext, Task>? answer = null)
    {
        var receiver = new WebhookReceiver(answer);
        await receiver._app.StartAsync();
        return receiver;
    }

    public string Url => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::1]", "127.0.0.1") + "/hooks";

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>
    /// The Standard Webhooks scheme written out independently of the app's package: HMAC-SHA256 with the secret's base64
    /// bytes over <c>id.timestamp.body</c>, base64, and any one of the header's space-separated <c>v1,</c> signatures matching.
    /// </summary>
    public static bool Verifies(string secret, Received r)
    {
        Assert.StartsWith("whsec_", secret);
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{r.Id}.{r.Timestamp}.{r.Body}")));
        return r.Signature.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(s => s.StartsWith("v1,", StringComparison.Ordinal)
                && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s[3..]), Encoding.ASCII.GetBytes(expected)));
    }
}
