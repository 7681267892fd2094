using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace CommsConsole.E2E;

/// <summary>The app's REST API as the browser tests use it to set up what a page should show.</summary>
public static class ConsoleApi
{
    /// <summary>An HTTP client signed in as the first SystemAdmin with a bearer token.</summary>
    public static async Task<HttpClient> SignInAsync(ConsoleApp app)
    {
        var api = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        var answer = await api.PostAsJsonAsync("/auth/token", new { email = ConsoleApp.AdminEmail, password = ConsoleApp.AdminPassword });
        answer.EnsureSuccessStatusCode();
        var token = await answer.Content.ReadFromJsonAsync<JsonElement>();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("access_token").GetString());
        return api;
    }

    /// <summary>Sends an SMS batch through <c>/communication/bulk</c> and returns its batch id.</summary>
    public static async Task<long> SendBatchAsync(HttpClient api, object request)
    {
        var answer = await api.PostAsJsonAsync("/communication/bulk", request);
        answer.EnsureSuccessStatusCode();
        return (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("batch_id").GetInt64();
    }
}
