using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features;

[Collection(AppCollection.Name)]
public sealed class ApiDocsTests(SharedApp app)
{
    [Fact]
    public async Task OpenApiDocument_UsesTheDocumentsSchemaNames_AndListsEveryEndpoint()
    {
        using var client = app.Anonymous();
        var (status, doc) = await client.GetJsonAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, status);
        var schemas = doc.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var name in new[] { "dto.BulkSendRequest", "dto.CommunicationLogListResponse", "dto.CommunicationLogResponse", "dto.PageInfo", "dto.SimpleResponse",
                     "dto.ContactRequest", "dto.ContactResponse", "dto.ContactPageResponse", "dto.ConsentRequest", "dto.ListResponse", "dto.ListContactsRequest",
                     "dto.ErasureResponse", "dto.AuditPageResponse", "dto.SegmentRequest", "dto.SegmentResponse", "dto.SegmentCountRequest", "dto.SegmentCountResponse",
                     "dto.ImportStartedResponse", "dto.ImportResponse", "dto.CampaignRequest", "dto.CampaignResponse", "dto.CampaignStatsResponse",
                     "dto.WebhookEndpointRequest", "dto.WebhookEndpointResponse", "dto.WebhookDeliveryListResponse" })
        {
            Assert.Contains(name, schemas);
        }
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(
            ["/admin/providers", "/admin/providers/{channel}/{role}", "/admin/tenants", "/admin/users", "/auth/api-keys", "/auth/api-keys/{id}", "/auth/token", "/communication/audit",
             "/communication/batches/{id}/engagement", "/communication/batches/{id}/engagement/recipients", "/communication/batches/{id}/engagement/recipients.csv", "/communication/bounces",
             "/communication/bulk",
             "/communication/campaigns", "/communication/campaigns/{id}", "/communication/campaigns/{id}/cancel", "/communication/campaigns/{id}/duplicate",
             "/communication/campaigns/{id}/schedule", "/communication/campaigns/{id}/send", "/communication/campaigns/{id}/stats", "/communication/campaigns/{id}/test",
             "/communication/contacts",
             "/communication/contacts/export", "/communication/contacts/import", "/communication/contacts/import/{id}",
             "/communication/contacts/import/{id}/errors.csv", "/communication/contacts/{id}", "/communication/contacts/{id}/consent", "/communication/contacts/{id}/export",
             "/communication/lists", "/communication/lists/{id}", "/communication/lists/{id}/contacts", "/communication/lists/{id}/contacts/{contact_id}",
             "/communication/logs", "/communication/segments", "/communication/segments/count", "/communication/segments/{id}", "/notification/sms/retry/{id}",
             "/notification/sms/send", "/notification/sms/send-batch", "/notification/sms/send-template", "/notification/sms/status/{id}",
             "/webhooks/endpoints", "/webhooks/endpoints/{id}", "/webhooks/endpoints/{id}/deliveries", "/webhooks/endpoints/{id}/deliveries/{delivery_id}/resend",
             "/webhooks/endpoints/{id}/rotate-secret", "/webhooks/endpoints/{id}/test", "/webhooks/submail", "/webhooks/submail/{tenantId}"],
            paths.Order(StringComparer.Ordinal));
        Assert.True(doc.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("Bearer", out _));
    }

    /// <summary>What a generated client needs: a unique id for every operation, numbers typed as numbers, a server URL it can prefix.</summary>
    [Fact]
    public async Task OpenApiDocument_NamesEveryOperation_TypesEveryNumber_AndItsServerHasNoTrailingSlash()
    {
        using var client = app.Anonymous();
        var (_, doc) = await client.GetJsonAsync("/openapi/v1.json");
        var ids = new List<string>();
        var textNumbers = new List<string>();
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                Assert.True(operation.Value.TryGetProperty("operationId", out var id), $"{operation.Name} {path.Name} has no operationId");
                ids.Add(id.GetString()!);
                if (!operation.Value.TryGetProperty("parameters", out var parameters)) continue;
                foreach (var parameter in parameters.EnumerateArray())
                {
                    var name = parameter.GetProperty("name").GetString()!;
                    var numeric = name is "page" or "page_size" || (name.EndsWith("_id", StringComparison.Ordinal) && name is not ("user_id" or "tenant_id"));
                    if (!numeric || parameter.GetProperty("in").GetString() != "query") continue;
                    if (parameter.GetProperty("schema").GetProperty("type").ToString() != "integer") textNumbers.Add($"{operation.Name} {path.Name} {name}");
                }
            }
        }
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains("getCommunicationLogs", ids);
        Assert.Contains("deleteCommunicationListsByIdContactsByContactId", ids);
        Assert.Empty(textNumbers);
        foreach (var server in doc.GetProperty("servers").EnumerateArray())
            Assert.False(server.GetProperty("url").GetString()!.EndsWith('/'), server.GetProperty("url").GetString());
    }

    /// <summary>
    /// docs/openapi.json is the document as served (less its server URL, which names the host asked): the generated-client
    /// tests (CommsConsole.ClientTests) build their client from it, and integrators can read it without running the app.
    /// COMMSCONSOLE_WRITE_OPENAPI=1 rewrites it.
    /// </summary>
    [Fact]
    public async Task OpenApiDocument_IsTheOneInDocs()
    {
        using var client = app.Anonymous();
        var served = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!.AsObject();
        served.Remove("servers");
        var text = served.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
        var path = Path.Combine(SourceTree.Root, "docs", "openapi.json");
        if (Environment.GetEnvironmentVariable("COMMSCONSOLE_WRITE_OPENAPI") == "1") await File.WriteAllTextAsync(path, text);
        Assert.True(File.Exists(path) && await File.ReadAllTextAsync(path) == text,
            "docs/openapi.json is not the document the app serves: run COMMSCONSOLE_WRITE_OPENAPI=1 dotnet test CommsConsole.Tests --filter OpenApiDocument_IsTheOneInDocs and commit it");
    }

    [Fact]
    public async Task ApiReference_IsBrowsable()
    {
        using var client = app.Anonymous();
        var response = await client.GetAsync("/scalar/v1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task HangfireDashboard_IsClosedToAnonymousUsers()
    {
        using var client = app.Anonymous();
        var response = await client.GetAsync("/hangfire");
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Hangfire Dashboard", body);
        Assert.Contains("/Account/Login", response.RequestMessage!.RequestUri!.ToString() + response.Headers.Location);
    }
}
