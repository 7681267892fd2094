using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommsConsole.Testing;

/// <summary>
/// An integrator's webhook endpoint on a free port of 127.0.0.1 (Kestrel). Counts every request by its
/// <c>webhook-id</c> (so repeats show), keeps each one's headers and body unless told not to (a benchmark's hundred
/// thousand events), and answers 200 "ok" unless <c>answer</c> says otherwise, given the request's number (1 for the first).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed record Received(string Id, string Timestamp, string Signature, string Body);

    private readonly WebApplication _app;
    private long _count;

    private WebhookReceiver(Func<int, HttpContext, Task>? answer, bool keep)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapPost("/{**path}", async (HttpContext context) =>
        {
            var h = context.Request.Headers;
            var id = h["webhook-id"].ToString();
            if (keep)
            {
                using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
                Requests.Enqueue(new Received(id, h["webhook-timestamp"].ToString(), h["webhook-signature"].ToString(), await reader.ReadToEndAsync()));
            }
            else
            {
                await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            }
            Ids.AddOrUpdate(id, 1, (_, n) => n + 1);
            var n = (int)Interlocked.Increment(ref _count);
            if (answer is null) await context.Response.WriteAsync("ok");
            else await answer(n, context);
        });
    }

    /// <summary>Every request in the order it arrived (empty when started with <c>keep: false</c>).</summary>
    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>How many requests arrived with each <c>webhook-id</c>.</summary>
    public ConcurrentDictionary<string, int> Ids { get; } = new();

    /// <summary>How many requests arrived.</summary>
    public long Count => Interlocked.Read(ref _count);

    public static async Task<WebhookReceiver> StartAsync(Func<int, HttpContext, Task>? answer = null, bool keep = true)
    {
        var receiver = new WebhookReceiver(answer, keep);
        await receiver._app.StartAsync();
        return receiver;
    }

    public string Url => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/hooks";

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
