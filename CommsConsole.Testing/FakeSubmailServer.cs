using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommsConsole.Testing;

/// <summary>
/// A stand-in for SUBMAIL's <c>sms/batchsend</c> on 127.0.0.1. It checks the signature itself, from the form
/// fields and the app key it knows, exactly as SUBMAIL documents it (its own code, not the adapter's signer), refuses
/// stale timestamps, answers in SUBMAIL's JSON and records every request with the time it arrived.
/// </summary>
public sealed class FakeSubmailServer : IAsyncDisposable
{
    public const string AppId = "10001";
    public const string AppKey = "0123456789abcdef0123456789abcdef";

    /// <summary>Leaves out <c>padding</c> unless it is set.</summary>
    private static readonly JsonSerializerOptions AnswerJson = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly WebApplication _app;
    private int _sendIds;

    public sealed record Received(DateTimeOffset ArrivedAt, IReadOnlyDictionary<string, string> Form, bool Accepted)
    {
        public string[] To => Form.GetValueOrDefault("to", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
    }

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Numbers answered with a per-number error inside <c>responses</c>.</summary>
    public ConcurrentDictionary<string, (string Code, string Msg)> FailNumbers { get; } = new();
    /// <summary>When set, every valid request is answered with this whole-request error.</summary>
    public (string Code, string Msg)? RequestError { get; set; }
    /// <summary>When set, requests are answered with this HTTP status and a non-SUBMAIL body.</summary>
    public int? HttpStatus { get; set; }
    /// <summary>How long to wait before answering.</summary>
    public TimeSpan Delay { get; set; }
    /// <summary>Billed units per number.</summary>
    public int Fee { get; set; } = 1;
    /// <summary>Oldest (or newest) a timestamp may be compared with the server's clock.</summary>
    public TimeSpan MaxSkew { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>When set, added as a <c>padding</c> field to the answer and to each number's entry of <c>responses</c>.</summary>
    public string? Padding { get; set; }

    public Uri BaseUrl { get; private set; } = null!;

    private FakeSubmailServer(WebApplication app) => _app = app;

    public static async Task<FakeSubmailServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeSubmailServer(app);
        app.Urls.Add("http://127.0.0.1:0");
        app.MapPost("/sms/batchsend", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address);
        return server;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var arrived = DateTimeOffset.UtcNow;
        var formCollection = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        var form = formCollection.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        var refusal = Check(form, arrived);
        Requests.Enqueue(new Received(arrived, form, refusal is null));

        if (Delay > TimeSpan.Zero) await Task.Delay(Delay, ctx.RequestAborted);
        if (HttpStatus is { } status)
        {
            ctx.Response.StatusCode = status;
            await ctx.Response.WriteAsync("<html><body>Bad Gateway</body></html>", ctx.RequestAborted);
            return;
        }
        if (refusal is { } r)
        {
            await ctx.Response.WriteAsJsonAsync(new { status = "error", code = r.Code, msg = r.Msg }, ctx.RequestAborted);
            return;
        }
        if (RequestError is { } e)
        {
            await ctx.Response.WriteAsJsonAsync(new { status = "error", code = e.Code, msg = e.Msg }, ctx.RequestAborted);
            return;
        }

        var responses = new List<object>();
        var total = 0;
        foreach (var to in form["to"].Split(','))
        {
            if (FailNumbers.TryGetValue(to, out var f))
            {
                responses.Add(new { status = "error", to, code = f.Code, msg = f.Msg });
                continue;
            }
            total += Fee;
            responses.Add(new { status = "success", to, send_id = $"sid{Interlocked.Increment(ref _sendIds):D6}", fee = Fee, padding = Padding });
        }
        await ctx.Response.WriteAsJsonAsync(new { status = "success", batchlist = Guid.NewGuid().ToString("N"), total_fee = total, responses, padding = Padding },
            AnswerJson, ctx.RequestAborted);
    }

    private (string Code, string Msg)? Check(Dictionary<string, string> form, DateTimeOffset now)
    {
        if (form.GetValueOrDefault("appid") != AppId) return ("101", "Incorrect APP ID");
        var signType = form.GetValueOrDefault("sign_type", "normal");
        if (signType is not ("normal" or "md5" or "sha1")) return ("107", "Invalid sign_type");
        if (!form.TryGetValue("signature", out var signature) || signature.Length == 0) return ("111", "Empty signature");
        if (!form.ContainsKey("to") || !form.ContainsKey("content")) return ("201", "Missing to or content");
        if (!form["content"].StartsWith('【')) return ("401", "The SMS signature must come first");
        if (form["content"].EnumerateRunes().Count() > 1000) return ("405", "The SMS content is longer than 1000 characters");
        if (form["to"].Split(',').Length > 10_000) return ("202", "More than 10000 numbers in one request");
        if (form.TryGetValue("tag", out var tag) && tag.Length > 32) return ("203", "tag is longer than 32 characters");

        if (signType == "normal")
        {
            if (signature != AppKey) return ("108", "Invalid signature");
        }
        else
        {
            if (!form.TryGetValue("timestamp", out var ts) || !long.TryParse(ts, out var seconds)) return ("151", "timestamp error");
            if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > MaxSkew) return ("152", "Invalid timestamp");
            // SUBMAIL: every parameter but signature (and tag, which does not take part), sorted A–Z, k=v joined by &.
            var sb = new StringBuilder();
            foreach (var key in form.Keys.Where(k => k is not ("signature" or "tag")).Order(StringComparer.Ordinal))
            {
                if (sb.Length > 0) sb.Append('&');
                sb.Append(key).Append('=').Append(form[key]);
            }
            var text = AppId + AppKey + sb + AppId + AppKey;
            var bytes = Encoding.UTF8.GetBytes(text);
            var expected = Convert.ToHexString(signType == "md5" ? MD5.HashData(bytes) : SHA1.HashData(bytes)).ToLowerInvariant();
            if (signature != expected) return ("108", "Invalid signature");
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
