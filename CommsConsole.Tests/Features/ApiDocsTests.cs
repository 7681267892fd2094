using System.Net;
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
                     "dto.ImportStartedResponse", "dto.ImportResponse", "dto.WebhookEndpointRequest", "dto.WebhookEndpointResponse",
                     "dto.WebhookDeliveryListResponse" })
        {
            Assert.Contains(name, schemas);
        }
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(
            ["/admin/providers", "/admin/providers/{channel}/{role}", "/admin/tenants", "/admin/users", "/auth/api-keys", "/auth/api-keys/{id}", "/auth/token", "/communication/audit", "/communication/bulk", "/communication/contacts",
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
