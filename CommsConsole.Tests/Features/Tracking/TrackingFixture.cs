using AngleSharp.Html.Parser;
using CommsConsole.Data;
using CommsConsole.Features.Tracking;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Features.Providers;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace CommsConsole.Tests.Features.Tracking;

/// <summary>
/// One app sending email through a real SMTP peer (aiosmtpd) for the tracking tests; each test makes its own tenant,
/// sender and recipients, and reads what the peer received.
/// </summary>
public sealed class TrackingFixture : IAsyncLifetime
{
    public const string Browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

    private SmtpPeer? _peer;
    private AppFactory? _app;

    public SmtpPeer Peer => _peer!;
    public AppFactory App => _app!;

    public async Task InitializeAsync()
    {
        _peer = await SmtpPeer.StartAsync();
        _app = new AppFactory(null, new Dictionary<string, string?>
        {
            ["Providers:Email"] = "smtp", ["Providers:Smtp:Host"] = "127.0.0.1", ["Providers:Smtp:Port"] = _peer.Port.ToString(),
            ["Providers:Smtp:Security"] = "None", ["Providers:Smtp:FromAddress"] = "news@commsconsole.test",
            // Every test of the class hits the endpoints from 127.0.0.1; the limit has tests of its own.
            ["Tracking:RequestsPerMinutePerAddress"] = "5000",
        });
        await ((IAsyncLifetime)_app).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await ((IAsyncLifetime)_app).DisposeAsync();
        if (_peer is not null) await _peer.DisposeAsync();
    }

    /// <summary>A tenant that may send marketing email (it has a postal address), and a Marketer of it.</summary>
    public async Task<(string Tenant, HttpClient Marketer)> TenantAsync(Func<CommsConsole.Features.Compliance.PolicyInput, CommsConsole.Features.Compliance.PolicyInput>? policy = null)
    {
        var tenant = await App.CreateTenantAsync();
        await App.SavePolicyAsync(tenant, p => (policy ?? (x => x))(p with { PostalAddress = "CommsConsole Ltd\n1 Example Road, Shanghai" }));
        var (client, _) = await App.UserAsync(Roles.Marketer, tenant);
        return (tenant, client);
    }

    public static string NewAddress() => $"reader-{Guid.NewGuid().ToString("N")[..10]}@example.com";

    /// <summary>Sends an email to each address, waits until dispatch settled, and returns the batch id.</summary>
    public async Task<long> SendAsync(HttpClient client, string content, string purpose, params string[] to)
    {
        var (status, body) = await client.PostAsync("/communication/bulk", new { channel = "email", subject = "Autumn sale", content, purpose, recipients = to });
        Assert.True(status == System.Net.HttpStatusCode.OK, body.ToString());
        var batchId = body.Long("batch_id");
        await App.WaitSettledAsync(batchId);
        return batchId;
    }

    /// <summary>The one message the SMTP peer received for <paramref name="address"/>.</summary>
    public MimeMessage Delivered(string address) =>
        Assert.Single(Peer.Received(), r => r.RcptTo.Contains(address, StringComparer.OrdinalIgnoreCase)).Message;

    /// <summary>The hrefs of a delivered HTML body, in order, and the image sources.</summary>
    public static (List<string> Hrefs, List<string> Images) Read(MimeMessage mail)
    {
        var document = new HtmlParser().ParseDocument(mail.HtmlBody ?? "");
        return (document.QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")!).ToList(),
            document.QuerySelectorAll("img[src]").Select(i => i.GetAttribute("src")!).ToList());
    }

    /// <summary>Moves a batch's send into the past, as if its reader came back to it later (past the prefetch window).</summary>
    public async Task SentMinutesAgoAsync(long batchId, int minutes)
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-minutes);
        using var db = App.Db();
        await db.Messages.Where(m => m.BatchId == batchId).ExecuteUpdateAsync(s => s.SetProperty(m => m.SentAt, at));
    }

    public async Task<List<MessageEvent>> EventsAsync(long batchId)
    {
        using var db = App.Db();
        return await db.MessageEvents.AsNoTracking().Where(e => e.BatchId == batchId).OrderBy(e => e.Id).ToListAsync();
    }

    /// <summary>A client with no cookies that follows no redirect, as a mail client or scanner is.</summary>
    public HttpClient Reader(string? userAgent = Browser)
    {
        // The factory's own client follows redirects when the app runs on Kestrel; a reader here must see them.
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = App.BaseAddress };
        if (userAgent is not null) client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
        return client;
    }

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>The path of a tracking URL (<c>/r/…</c> or <c>/o/…</c>), for a client on the app's own address.</summary>
    public static string PathOf(string url) => new Uri(url).PathAndQuery;

    public TrackingLinks Links => Service<TrackingLinks>();
}
