using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

/// <summary>The day of a marketer and an admin, in the browser: template, CSV send, live progress, logs, retry, export, isolation.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleFlowTests(BrowserFixture fixture)
{
    private const int Recipients = 50;
    private const int Rejected = 3;

    [Fact]
    public Task Marketer_SendsACsvCampaign_WatchesItFinish_RetriesAFailure_AndExports() => fixture.RunPageAsync(nameof(Marketer_SendsACsvCampaign_WatchesItFinish_RetriesAFailure_AndExports), async page =>
    {
        await Ui.SignInAsync(page, ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        await Expect(page.GetByTestId("signed-in-user")).ToBeVisibleAsync();

        // A template with a variable, checked as it is typed.
        await page.GotoAsync("/templates");
        await page.GetByTestId("new-template").ClickAsync();
        await Ui.Field(page, "template-code-input").FillAsync("WELCOME");
        await Ui.Field(page, "template-name-input").FillAsync("Welcome");
        await Ui.Field(page, "template-body").FillAsync("Hi {{ name }}, {% if x %}");
        await Expect(page.GetByText("Tag 'if' was never closed")).ToBeVisibleAsync();
        await Ui.Field(page, "template-body").FillAsync("【CommsConsole】Hi {{ name }}, welcome aboard!");
        await Expect(page.GetByTestId("sample-name")).ToBeVisibleAsync();
        await page.GetByTestId("template-save").ClickAsync();
        await Expect(page.GetByTestId("template-code").GetByText("WELCOME")).ToBeVisibleAsync();

        // 50 recipients from a CSV file whose name column feeds the template; three numbers the provider refuses.
        var csv = new StringBuilder("phone,name\n");
        for (var i = 0; i < Recipients; i++)
        {
            var phone = i < Rejected ? $"{ConsoleApp.RejectedPrefix}{i:D4}" : $"138{i:D8}";
            csv.Append(phone).Append(",Customer ").Append(i).Append('\n');
        }
        await page.GotoAsync("/compose");
        await page.Locator("[data-testid=template-select] .mud-input-control").ClickAsync();
        await page.GetByText("WELCOME — Welcome").ClickAsync();
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "customers.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv.ToString()) });
        await Expect(page.GetByTestId("valid-count")).ToHaveTextAsync(Recipients.ToString());
        await Expect(page.GetByTestId("preview-text").First).ToContainTextAsync("Hi Customer 0, welcome aboard!");
        await Expect(page.GetByTestId("sms-measure").First).ToContainTextAsync("segment");
        await page.GetByTestId("send").ClickAsync();
        await Expect(page.GetByText($"{Recipients} messages will be sent")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();

        // The batch page fills up by itself.
        await page.WaitForURLAsync("**/batches/*");
        var batchUrl = page.Url;
        await Expect(page.GetByTestId("batch-progress")).ToHaveTextAsync("100%", new() { Timeout = 60_000 });
        Assert.Equal(batchUrl, page.Url);
        await Expect(page.GetByTestId("count-failed")).ToHaveTextAsync(Rejected.ToString());
        await Expect(page.GetByTestId("count-sent")).ToHaveTextAsync((Recipients - Rejected).ToString());

        // A failure found by filter, opened, retried.
        await page.GotoAsync("/logs?status=failed");
        await Expect(page.GetByTestId("log-recipient")).ToHaveCountAsync(Rejected);
        await page.GetByTestId("log-recipient").First.ClickAsync();
        await Expect(page.GetByTestId("detail-error")).ToContainTextAsync("rejected");
        await page.GetByTestId("retry-message").ClickAsync();
        // The provider refused it: the console warns that it will most likely fail again.
        await Expect(page.GetByText("it will most likely fail the same way")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Retry anyway" }).ClickAsync();
        await Expect(page.GetByText("queued to be sent again")).ToBeVisibleAsync();

        // Export the filtered rows.
        await page.GetByTestId("close-drawer").ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-csv").ClickAsync());
        var path = await download.PathAsync();
        var lines = (await File.ReadAllLinesAsync(path!)).Where(l => l.Length > 0).ToList();
        Assert.StartsWith("id,created_at,channel,status,recipient", lines[0]);
        Assert.InRange(lines.Count - 1, Rejected - 1, Rejected);
    });

    [Fact]
    public Task MarketerOfAnotherTenant_SeesNoneOfIt() => fixture.RunPageAsync(nameof(MarketerOfAnotherTenant_SeesNoneOfIt), async page =>
    {
        using var api = await ConsoleApi.SignInAsync(fixture.App);
        await api.PostAsJsonAsync("/communication/bulk", new { channel = "sms", content = "admin tenant message", recipients = new[] { "13700000001" } });
        var tenant = await (await api.PostAsJsonAsync("/admin/tenants", new { name = "Other " + Guid.NewGuid().ToString("N")[..6] })).Content.ReadFromJsonAsync<JsonElement>();
        var email = $"marketer-{Guid.NewGuid():N}@e2e.test";
        var created = await api.PostAsJsonAsync("/admin/users", new { email, password = "Other-Passw0rd!", role = "Marketer", tenant_id = tenant.GetProperty("id").GetString() });
        created.EnsureSuccessStatusCode();

        await Ui.SignInAsync(page, email, "Other-Passw0rd!");
        await Expect(page.GetByTestId("signed-in-user")).ToContainTextAsync("Marketer");
        await page.GotoAsync("/logs");
        await Expect(page.GetByText("No messages match these filters.")).ToBeVisibleAsync();
        await page.GotoAsync("/batches");
        await Expect(page.GetByText("Nothing has been sent yet.")).ToBeVisibleAsync();
        await page.GotoAsync("/");
        await Expect(page.GetByTestId("stat-total")).ToHaveTextAsync("0");
    });
}
