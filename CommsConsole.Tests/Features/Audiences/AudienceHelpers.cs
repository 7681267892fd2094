using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features.Audiences;

/// <summary>Steps the audience tests share.</summary>
public static class AudienceHelpers
{
    /// <summary>A request with a JSON body and any method (DELETE of list members carries one).</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendJsonAsync(this HttpClient client, HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Posts a contact and returns its id, asserting it was accepted.</summary>
    public static async Task<long> UpsertContactAsync(this HttpClient client, object contact)
    {
        var (status, body) = await client.PostAsync("/communication/contacts", contact);
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"{status}: {body}");
        return body.Long("id");
    }

    public static async Task<long> CreateListAsync(this HttpClient client, string name)
    {
        var (status, body) = await client.PostAsync("/communication/lists", new { name });
        Assert.True(status == HttpStatusCode.Created, $"{status}: {body}");
        return body.Long("id");
    }

    public static JsonElement Consent(this JsonElement contact, string channel) => contact.GetProperty("consent").GetProperty(channel);
}
