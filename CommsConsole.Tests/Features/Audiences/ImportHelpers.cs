using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features.Audiences;

/// <summary>Steps the import tests share: posting a CSV with a mapping, and polling the import until it ends.</summary>
public static class ImportHelpers
{
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostImportAsync(this HttpClient client, string csv, object? mapping, string fileName = "contacts.csv") =>
        await client.PostImportAsync(Encoding.UTF8.GetBytes(csv), mapping, fileName);

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostImportAsync(this HttpClient client, byte[] file, object? mapping, string fileName = "contacts.csv")
    {
        using var content = new MultipartFormDataContent();
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Add(part, "file", fileName);
        if (mapping is not null) content.Add(new StringContent(mapping as string ?? JsonSerializer.Serialize(mapping), Encoding.UTF8, "application/json"), "mapping");
        using var response = await client.PostAsync("/communication/contacts/import", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Starts an import, asserting it was accepted, and returns its id.</summary>
    public static async Task<long> StartImportAsync(this HttpClient client, string csv, object mapping)
    {
        var (status, body) = await client.PostImportAsync(csv, mapping);
        Assert.True(status == HttpStatusCode.Accepted, $"{status}: {body}");
        return body.Long("id");
    }

    /// <summary>Polls the import until it is done or failed, and returns its report.</summary>
    public static async Task<JsonElement> WaitForImportAsync(this HttpClient client, long id, string query = "")
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var (status, body) = await client.GetJsonAsync($"/communication/contacts/import/{id}{query}");
            Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
            if (body.Str("status") is "done" or "failed") return body;
            if (DateTime.UtcNow > until) throw new TimeoutException($"import {id} still {body.Str("status")}");
            await Task.Delay(100);
        }
    }

    public static async Task<JsonElement> ImportAsync(this HttpClient client, string csv, object mapping) =>
        await client.WaitForImportAsync(await client.StartImportAsync(csv, mapping));

    public static IReadOnlyList<(int Line, string Reason)> Errors(this JsonElement report) =>
        report.GetProperty("errors").EnumerateArray().Select(e => (e.Int("line"), e.Str("reason"))).ToList();
}
