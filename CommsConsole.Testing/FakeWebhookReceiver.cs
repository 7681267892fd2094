using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommsConsole.Testing;

/// <summary>
/// An integrator's webhook endpoint on 127.0.0.1: answers every POST 200 at once and counts what arrived, by
/// <c>webhook-id</c> (so repeats show).
/// </summary>
public sealed class FakeWebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _requests;

    private FakeWebhookReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";
    public long Requests => Interlocked.Read(ref _requests);
    public ConcurrentDictionary<string, int> Ids { get; } = new();

    public static async Task<FakeWebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new FakeWebhookReceiver(app);
        app.Urls.Add("http://127.0.0.1:0");
        app.MapPost("/hooks", async (HttpContext ctx) =>
        {
            await ctx.Request.Body.CopyToAsync(Stream.Null, ctx.RequestAborted);
            receiver.Ids.AddOrUpdate(ctx.Request.Headers["webhook-id"].ToString(), 1, (_, n) => n + 1);
            Interlocked.Increment(ref receiver._requests);
            return Results.Ok();
        });
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/hooks";
        return receiver;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
