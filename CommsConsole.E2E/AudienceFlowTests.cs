using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

/// <summary>
/// A marketer's audience, in the browser: a CSV of contacts imported with two bad rows reported, a segment built over an
/// imported attribute with its live count, an SMS sent to that segment, and the message found on a member's page (and
/// not on the page of a contact outside the segment).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class AudienceFlowTests(BrowserFixture fixture)
{
    // Line 1 is the header. Line 4 has a number that is no phone number, line 7 no address at all: both are reported,
    // neither stops the rows after it, and both live in Shanghai so that importing them by mistake would change the count.
    private const string Csv = """
        Mobile,Full name,Town,Note
        13912340001,Ada Shanghai,Shanghai,met at the fair
        13912340002,Bo Shanghai,Shanghai,
        12345,Bad Number,Shanghai,
        13912340003,Chen Beijing,Beijing,
        13912340004,Dai Shanghai,Shanghai,
        ,No Address,Shanghai,
        13912340005,Eva Beijing,Beijing,
        13912340006,Fan Shanghai,Shanghai,

        """;
    private const int Imported = 6;
    private const int InShanghai = 4;

    [Fact]
    public Task Marketer_ImportsContactsWithTwoBadRows_SendsAnSmsToASegment_AndFindsItOnTheContactsPage() => fixture.RunPageAsync(nameof(Marketer_ImportsContactsWithTwoBadRows_SendsAnSmsToASegment_AndFindsItOnTheContactsPage), async page =>
    {
        // A tenant of its own, so that the counts below are this test's contacts only, whatever ran before on the app.
        var (email, password) = await NewMarketerAsync();
        await Ui.SignInAsync(page, email, password);
        await Expect(page.GetByTestId("signed-in-user")).ToContainTextAsync("Marketer");

        // Upload, then the mapping step: the header's words are guessed, the town becomes the attribute "city", the note is left out.
        await page.GotoAsync("/contacts/import");
        // Through the button's file chooser, as a person picks a file: the picker opens only once the circuit serves the page,
        // whose file input is then listening (a file set on the input before that is never read).
        var chooser = await page.RunAndWaitForFileChooserAsync(() => page.GetByTestId("import-choose").ClickAsync());
        await chooser.SetFilesAsync(new FilePayload { Name = "fair-contacts.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(Csv) });
        // The file is streamed to the server and read there; three test processes share two cores in the test command.
        await Expect(page.GetByTestId("import-column-name")).ToHaveTextAsync(["Mobile", "Full name", "Town", "Note"], new() { Timeout = 30_000 });
        var town = page.GetByTestId("import-column").Filter(new() { Has = page.GetByTestId("import-column-name").GetByText("Town", new() { Exact = true }) });
        await Ui.Field(town, "import-attribute-name").FillAsync("city");
        var note = page.GetByTestId("import-column").Filter(new() { Has = page.GetByTestId("import-column-name").GetByText("Note", new() { Exact = true }) });
        await note.Locator("[data-testid=import-column-use] .mud-input-control").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Ignore", Exact = true }).ClickAsync();
        // Once the note is ignored its attribute name field goes: the choice has reached the server's copy of the form.
        await Expect(note.GetByTestId("import-attribute-name")).ToHaveCountAsync(0);
        await Expect(Ui.Field(town, "import-attribute-name")).ToHaveValueAsync("city");
        await page.GetByTestId("import-consent-stated").ClickAsync();
        await page.GetByTestId("import-start").ClickAsync();
        // The mapping gives way to the import's progress; were the start refused, its message is in the snapshot of this failure.
        await Expect(page.GetByTestId("import-start")).ToHaveCountAsync(0, new() { Timeout = 30_000 });

        // The report: six new contacts, the two bad rows with their lines and reasons.
        await Expect(page.GetByTestId("import-status")).ToContainTextAsync("Done", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("import-imported")).ToHaveTextAsync(Imported.ToString());
        await Expect(page.GetByTestId("import-updated")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("import-skipped")).ToHaveTextAsync("2");
        var badRows = page.GetByTestId("import-error-row");
        await Expect(badRows).ToHaveCountAsync(2);
        await Expect(badRows.Nth(0).Locator("td").Nth(0)).ToHaveTextAsync("4");
        await Expect(badRows.Nth(0).Locator("td").Nth(1)).ToContainTextAsync("'12345' is not a valid phone number");
        await Expect(badRows.Nth(1).Locator("td").Nth(0)).ToHaveTextAsync("7");
        await Expect(badRows.Nth(1).Locator("td").Nth(1)).ToContainTextAsync("a phone number or an email address is required");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("import-download").ClickAsync());
        var errorLines = (await File.ReadAllLinesAsync((await download.PathAsync())!)).Where(l => l.Length > 0).ToList();
        Assert.Equal("line,reason,row", errorLines[0]);
        Assert.Equal(["4", "7"], errorLines.Skip(1).Select(l => l.Split(',')[0]));

        // A segment over the imported attribute, counted while it is typed.
        await page.GotoAsync("/segments");
        await Ui.Field(page, "segment-name").FillAsync("Shanghai fair");
        await Ui.Field(page, "segment-filter").FillAsync("city = \"Shanghai\"");
        await Expect(page.GetByTestId("segment-live-count")).ToHaveTextAsync($"{InShanghai} contacts match");
        await page.GetByTestId("segment-save").ClickAsync();
        await Expect(page.GetByTestId("segment-row-name")).ToHaveTextAsync(["Shanghai fair"]);
        await Expect(page.GetByTestId("segment-row-count")).ToHaveTextAsync([InShanghai.ToString()]);

        // An SMS to the segment, personalised from each contact's fields.
        await page.GotoAsync("/compose");
        await Ui.Field(page, "content").FillAsync("【CommsConsole】Hi {{ name }}, tea tasting this Saturday in {{ attributes.city }}.");
        await page.GetByTestId("audience-mode").GetByText("A contact list or segment").ClickAsync();
        await page.Locator("[data-testid=list-select] .mud-input-control").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Segment: Shanghai fair" }).ClickAsync();
        await Expect(page.GetByTestId("will-receive")).ToHaveTextAsync(InShanghai.ToString());
        await Expect(page.GetByTestId("no-address")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("unsubscribed")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("preview-text").First).ToContainTextAsync("tea tasting this Saturday in Shanghai.");
        await page.GetByTestId("send").ClickAsync();
        await Expect(page.GetByText($"{InShanghai} messages will be sent now")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();

        await page.WaitForURLAsync("**/batches/*");
        await Expect(page.GetByTestId("batch-progress")).ToHaveTextAsync("100%", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("count-total")).ToHaveTextAsync(InShanghai.ToString());
        await Expect(page.GetByTestId("count-sent")).ToHaveTextAsync(InShanghai.ToString());

        // A member's page lists the message with the text they were sent.
        await OpenContactAsync(page, "Ada");
        await Expect(page.GetByTestId("contact-title")).ToHaveTextAsync("Ada Shanghai");
        await Expect(page.GetByTestId("contact-attribute")).ToHaveTextAsync(["Shanghai"]);
        // The consent the import stated is on their page, with how it was given.
        await Expect(page.GetByTestId("consent-sms").GetByTestId("consent-subscribed")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("consent-history")).ToContainTextAsync("import with stated consent");
        await Expect(page.GetByTestId("contact-message-content")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("contact-message-content")).ToContainTextAsync("【CommsConsole】Hi Ada Shanghai, tea tasting this Saturday in Shanghai.");

        // A contact in another city was sent nothing.
        await OpenContactAsync(page, "Chen");
        await Expect(page.GetByTestId("contact-title")).ToHaveTextAsync("Chen Beijing");
        await Expect(page.GetByTestId("contact-attribute")).ToHaveTextAsync(["Beijing"]);
        await Expect(page.GetByTestId("contact-messages").GetByText("No messages sent to this contact.")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("contact-message-content")).ToHaveCountAsync(0);
    });

    /// <summary>Finds a contact on the contacts page by a search and opens their page from the grid.</summary>
    private static async Task OpenContactAsync(IPage page, string search)
    {
        await page.GotoAsync("/contacts");
        await Ui.Field(page, "contact-search").FillAsync(search);
        await page.GetByTestId("contact-apply").ClickAsync();
        await Expect(page.GetByTestId("contact-row-name")).ToHaveCountAsync(1);
        await page.GetByTestId("contact-row-name").ClickAsync();
        await page.WaitForURLAsync("**/contacts/*");
    }

    private async Task<(string Email, string Password)> NewMarketerAsync()
    {
        using var api = await ConsoleApi.SignInAsync(fixture.App);
        var tenant = await (await api.PostAsJsonAsync("/admin/tenants", new { name = "Fair " + Guid.NewGuid().ToString("N")[..6] })).Content.ReadFromJsonAsync<JsonElement>();
        var email = $"marketer-{Guid.NewGuid():N}"[..20] + "@e2e.test";
        const string password = "Fair-Passw0rd!";
        var created = await api.PostAsJsonAsync("/admin/users", new { email, password, role = "Marketer", tenant_id = tenant.GetProperty("id").GetString() });
        created.EnsureSuccessStatusCode();
        return (email, password);
    }
}
