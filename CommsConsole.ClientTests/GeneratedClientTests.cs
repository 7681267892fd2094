using System.Net.Http.Headers;
using CommsConsole.Client;
using CommsConsole.Client.Models;
using CommsConsole.Testing;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

namespace CommsConsole.ClientTests;

/// <summary>The real app, run as its own process on a fresh SQLite file, for a client generated from its OpenAPI document.</summary>
public sealed class ClientApp : IAsyncLifetime
{
    public const string AdminEmail = "admin@client.test";
    public const string AdminPassword = "Client-Passw0rd!";
    /// <summary>The simulated provider refuses numbers starting so, permanently: a message to fail, then retry.</summary>
    public const string RejectedPrefix = "1990000";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "commsconsole-client-" + Guid.NewGuid().ToString("N")[..8]);
    private AppProcess? _process;

    public string BaseUrl => _process!.BaseUrl;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _process = await AppProcess.StartAsync("client", new Dictionary<string, string>
        {
            ["ConnectionStrings:DefaultConnection"] = $"Data Source={Path.Combine(_directory, "client.db")}",
            ["Bootstrap:AdminEmail"] = AdminEmail,
            ["Bootstrap:AdminPassword"] = AdminPassword,
            ["Providers:Simulated:RejectRecipientPattern"] = "^" + RejectedPrefix,
            ["Dispatch:SweepIntervalSeconds"] = "1",
            // Marketing SMS would otherwise wait for the end of quiet hours when the tests run at night.
            ["Compliance:Defaults:QuietHoursStart"] = "00:00",
            ["Compliance:Defaults:QuietHoursEnd"] = "00:00",
        }, Path.Combine(AppContext.BaseDirectory, "app-logs"));
    }

    public async Task DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    /// <summary>The generated client, sending <paramref name="bearer"/> (a token or an API key) when given.</summary>
    public CommsClient Client(string? bearer = null)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        if (bearer is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return new CommsClient(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http) { BaseUrl = BaseUrl });
    }

    public async Task<string> TokenAsync()
    {
        var token = await Client().Auth.Token.PostAsync(new TokenRequest { Email = AdminEmail, Password = AdminPassword });
        return token!.AccessToken!;
    }
}

/// <summary>
/// The main flows of an integration, driven only through the C# client Kiota generates from docs/openapi.json (the
/// document the app serves): if the document describes a request, an answer, an error or a type wrongly, these fail.
/// </summary>
public sealed class GeneratedClientTests(ClientApp app) : IClassFixture<ClientApp>
{
    private static int _next;

    private static string Phone() => "1391" + Interlocked.Increment(ref _next).ToString("D7");

    [Fact]
    public async Task Token_ApiKey_BulkSend_AndLogs()
    {
        var token = await app.TokenAsync();
        var key = await app.Client(token).Auth.ApiKeys.PostAsync(new ApiKeyRequest { Name = "generated client", Scopes = ["send", "read"] });
        Assert.StartsWith("cc_", key!.Key);
        var client = app.Client(key.Key);

        var recipients = new List<string> { Phone(), Phone() };
        var sent = await client.Communication.Bulk.PostAsync(new BulkSendRequest
        {
            Channel = "sms",
            Purpose = "transactional",
            Content = "Your code is {{ code }}",
            Recipients = recipients,
            Variables = new BulkSendRequest_variables { AdditionalData = new Dictionary<string, object> { ["code"] = "4821" } },
        });
        Assert.Equal(2, sent!.Total);
        Assert.NotNull(sent.BatchId);
        // The /communication face shows recipients masked (document 001).
        Assert.Equal(recipients.Select(r => r[..3] + "****" + r[^4..]).Order(), sent.Items!.Select(i => i.Recipient!).Order());
        Assert.All(sent.Items!, i => Assert.Equal("Your code is 4821", i.Content));

        var page = await client.Communication.Logs.GetAsync(c =>
        {
            c.QueryParameters.Channel = "sms";
            c.QueryParameters.Page = 1;
            c.QueryParameters.PageSize = 1;
        });
        Assert.Single(page!.Items!);
        Assert.True(page.Pagination!.Total >= 2);
        Assert.Equal(1, page.Pagination.PageSize);

        // An error is the document's error envelope, thrown as the generated exception type with its code and message.
        var refused = await Assert.ThrowsAsync<SimpleResponse>(() => client.Communication.Logs.GetAsync(c => c.QueryParameters.PageSize = 100_000));
        Assert.Equal(400, refused.ResponseStatusCode);
        Assert.Equal(400, refused.Code);
        Assert.StartsWith("page_size:", refused.Message);

        // A key without the send scope is refused by the same client.
        var readOnly = await app.Client(token).Auth.ApiKeys.PostAsync(new ApiKeyRequest { Name = "reader", Scopes = ["read"] });
        var forbidden = await Assert.ThrowsAsync<SimpleResponse>(() => app.Client(readOnly!.Key).Communication.Bulk.PostAsync(new BulkSendRequest
        {
            Channel = "sms", Content = "no", Recipients = [Phone()],
        }));
        Assert.Equal(403, forbidden.ResponseStatusCode);
    }

    [Fact]
    public async Task AWebhookEndpoint_IsRegistered_Listed_Rotated_AndRemoved()
    {
        var client = app.Client(await app.TokenAsync());
        var endpoints = client.Webhooks.Endpoints;
        var created = await endpoints.PostAsync(new WebhookEndpointRequest
        {
            Url = "https://hooks.example.com/commsconsole", Events = ["batch.completed"], Description = "generated client",
        });
        Assert.StartsWith("whsec_", created!.Secret);
        var id = created.Id!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var listed = await endpoints.GetAsync();
        var mine = Assert.Single(listed!.Items!, e => e.Id == created.Id);
        Assert.Null(mine.Secret); // shown once, at creation
        Assert.Equal(["batch.completed"], mine.Events);

        var rotated = await endpoints[id].RotateSecret.PostAsync();
        Assert.StartsWith("whsec_", rotated!.Secret);
        Assert.NotEqual(created.Secret, rotated.Secret);

        var patched = await endpoints[id].PatchAsync(new WebhookEndpointRequest { Enabled = false });
        Assert.False(patched!.Enabled);

        // An unknown event is the document's error envelope, typed.
        var refused = await Assert.ThrowsAsync<SimpleResponse>(() => endpoints.PostAsync(new WebhookEndpointRequest
        {
            Url = "https://hooks.example.com/x", Events = ["message.teleported"],
        }));
        Assert.Equal(400, refused.ResponseStatusCode);

        await endpoints[id].DeleteAsync();
        var gone = await Assert.ThrowsAsync<SimpleResponse>(() => endpoints[id].GetAsync());
        Assert.Equal(404, gone.ResponseStatusCode);
    }

    [Fact]
    public async Task TheFiveNotificationSmsCalls()
    {
        var client = app.Client(await app.TokenAsync());
        var sms = client.Notification.Sms;

        var one = await sms.Send.PostAsync(new SmsSendRequest { Phone = Phone(), Content = "Your code is 1234", BizType = "LOGIN", BizId = 7, ReceiverId = 9 });
        Assert.Equal(200, one!.Code);
        var id = one.Data!.LogId!.Value;

        var status = await sms.Status[id.ToString()].GetAsync();
        Assert.Equal(one.Data.Phone, status!.Data!.Phone);
        Assert.NotNull(status.Data.Status);

        var batch = await sms.SendBatch.PostAsync(new SmsBatchRequest { Phones = [Phone(), Phone(), Phone()], Content = "Class starts at 9" });
        Assert.Equal(3, batch!.Data!.Total);
        Assert.Equal(3, batch.Data.Details!.Count);

        // No template of that code: the face's own error envelope, typed.
        var missing = await Assert.ThrowsAsync<NotificationResponseOfObject>(() => sms.SendTemplate.PostAsync(new SmsTemplateRequest
        {
            Phone = Phone(), TemplateCode = "NO_SUCH_TEMPLATE",
        }));
        Assert.InRange(missing.ResponseStatusCode, 400, 404);
        Assert.False(string.IsNullOrEmpty(missing.MessageEscaped));

        // A message the provider refuses, retried once it has failed.
        var refused = await sms.Send.PostAsync(new SmsSendRequest { Phone = ClientApp.RejectedPrefix + "0001", Content = "Your code is 5678" });
        var refusedId = refused!.Data!.LogId!.Value.ToString();
        var failed = false;
        for (var i = 0; i < 120 && !failed; i++)
        {
            var s = await sms.Status[refusedId].GetAsync();
            failed = s!.Data!.Status == "failed";
            if (!failed) await Task.Delay(250);
        }
        Assert.True(failed, "the refused message never reported failed");
        var retried = await sms.Retry[refusedId].PostAsync();
        Assert.Equal(200, retried!.Code);

        // Retrying a message that has not failed answers the face's error, typed.
        var notFailed = await Assert.ThrowsAsync<NotificationResponseOfObject>(() => sms.Retry[id.ToString()].PostAsync());
        Assert.InRange(notFailed.ResponseStatusCode, 400, 409);
    }

    [Fact]
    public async Task TenConcurrentRequests_WithOneIdempotencyKey_SendOnce()
    {
        var client = app.Client(await app.TokenAsync());
        var phone = Phone();
        var body = new SmsSendRequest { Phone = phone, Content = "Your code is 2468" };
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            try
            {
                var answer = await client.Notification.Sms.Send.PostAsync(body, c => c.Headers.Add("Idempotency-Key", "client-" + phone));
                return answer!.Data!.LogId;
            }
            catch (NotificationResponseOfObject inFlight) when (inFlight.ResponseStatusCode == 409)
            {
                return null; // the first is still being answered: the documented 409
            }
        }));
        var sent = answers.OfType<long>().Distinct().ToList();
        Assert.Single(sent);
    }
}
