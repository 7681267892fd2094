using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CommsConsole.Tests.Features.Providers;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

/// <summary>
/// A marketer's campaign, in the browser, against the app run as a process with a real SMTP peer (aiosmtpd): a Markdown email
/// written and previewed at phone width, saved as a draft, tested on the marketer's own address (the message read back from
/// the peer and opened), sent to a contact list, then opened and its tracked link followed in a reader's browser; the open
/// and the click show on the campaign's report, the test send does not.
/// </summary>
public sealed class CampaignFlowTests : IAsyncLifetime
{
    private const string ShopUrl = "https://shop.example.com/winter";
    private static readonly string[] Readers = ["ada@example.com", "bo@example.com"];
    // A desktop Chrome's: the console counts a headless browser's hits as a machine's, not a reader's.
    private const string ReaderAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    private SmtpPeer _peer = null!;
    private BrowserFixture _browser = null!;

    public async Task InitializeAsync()
    {
        _peer = await SmtpPeer.StartAsync();
        var app = await ConsoleApp.StartAsync("campaign", new Dictionary<string, string>(ConsoleApp.SmtpPeerSettings(_peer.Port))
        {
            // A hit within this many seconds of the send is a mail scanner's prefetch; the reader below is a second later.
            ["Tracking:PrefetchSeconds"] = "1",
        });
        _browser = new BrowserFixture();
        await _browser.LaunchAsync(app);
    }

    [Fact]
    public Task Marketer_WritesAMarkdownEmail_TestsIt_SendsItToAList_AndSeesTheReadersOpenAndClick() => _browser.RunPageAsync(nameof(Marketer_WritesAMarkdownEmail_TestsIt_SendsItToAList_AndSeesTheReadersOpenAndClick), async page =>
    {
        await CreateReadersListAsync();
        await Ui.SignInAsync(page, ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        await Expect(page.GetByTestId("signed-in-user")).ToBeVisibleAsync();
        await Ui.SetPostalAddressAsync(page, "CommsConsole Ltd, 1 Example Road, Shanghai");

        // Compose: a Markdown email to the list, previewed rendered, then at a phone's width.
        await page.GotoAsync("/campaigns");
        await page.GetByTestId("new-campaign").ClickAsync();
        await page.WaitForURLAsync("**/compose");
        await Ui.Field(page, "campaign-name").FillAsync("Winter news");
        await page.GetByTestId("channel").GetByText("Email").ClickAsync();
        await Ui.Field(page, "subject").FillAsync("Winter news from the shop");
        await page.Locator("[data-testid=format] .mud-input-control").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Markdown", Exact = true }).ClickAsync();
        await Ui.Field(page, "content").FillAsync("# Winter news\n\nHello {{ name }}, our **winter sale** starts today.\n\n[See the sale](" + ShopUrl + ")");
        await page.GetByTestId("audience-mode").GetByText("A contact list or segment").ClickAsync();
        await page.Locator("[data-testid=list-select] .mud-input-control").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "List: Winter readers (2)" }).ClickAsync();
        await Expect(page.GetByTestId("will-receive")).ToHaveTextAsync("2");
        var frame = page.GetByTestId("preview-frame").First;
        await Expect(frame.ContentFrame.GetByRole(AriaRole.Heading, new() { Name = "Winter news" })).ToBeVisibleAsync();
        await Expect(frame.ContentFrame.Locator("strong")).ToHaveTextAsync("winter sale");
        await Expect(frame.ContentFrame.GetByText("1 Example Road", new() { Exact = false })).ToBeVisibleAsync();
        var phone = page.GetByRole(AriaRole.Switch, new() { Name = "Phone width" }).First;
        // From the keyboard: a pointer click here can land in the preview's frame instead, as the page scrolls back to the
        // list picker that just closed.
        await phone.PressAsync("Space");
        await Expect(phone).ToBeCheckedAsync();
        await Expect(page.GetByText("Shown 375 px wide, as a mail client would show it.").First).ToBeVisibleAsync();
        var box = await frame.BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.InRange(box.Width, 375, 378); // 375 px and its border

        await page.GetByTestId("save-draft").ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/campaigns/\d+$"));
        await Expect(page.GetByTestId("campaign-title")).ToHaveTextAsync("Winter news");
        await Expect(page.GetByTestId("campaign-audience")).ToContainTextAsync("List: Winter readers");
        // The draft kept its format: its own preview renders the Markdown for a member of the list.
        await Expect(page.GetByTestId("preview-frame").ContentFrame.Locator("strong")).ToHaveTextAsync("winter sale");

        // A test send to the marketer's own address, as the campaign will go out, read back from the SMTP peer.
        await page.GetByTestId("test-send").ClickAsync();
        await page.GetByTestId("test-confirm").ClickAsync();
        await Expect(page.GetByText("Test sent.")).ToBeVisibleAsync();
        var test = await ReceivedAsync(ConsoleApp.AdminEmail);
        Assert.Equal("Winter news from the shop", test.Subject);
        Assert.Contains("<strong>winter sale</strong>", test.HtmlBody);
        Assert.Contains("winter sale", test.TextBody); // the plain-text alternative
        await using (var mailbox = await _browser.Browser.NewContextAsync(new() { UserAgent = ReaderAgent }))
        {
            var opened = await mailbox.NewPageAsync();
            await opened.SetContentAsync(test.HtmlBody!);
            await Expect(opened.GetByRole(AriaRole.Heading, new() { Name = "Winter news" })).ToBeVisibleAsync();
            await Expect(opened.GetByRole(AriaRole.Link, new() { Name = "See the sale" })).ToBeVisibleAsync();
        }

        // Send to the list, and wait for the report.
        await page.GetByTestId("send-now").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("2 messages will be sent now");
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("campaign-report")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("stat-sent")).ToHaveTextAsync("2 (100.0%)", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("stat-audience")).ToHaveTextAsync("2"); // the test send is not counted

        // Ada opens the email a moment later in her mail client (the pixel loads) and follows its link.
        var ada = await ReceivedAsync(Readers[0]);
        Assert.Contains("Hello Ada", ada.HtmlBody);
        var tracked = Regex.Match(ada.HtmlBody!, "<a [^>]*href=\"([^\"]+)\"[^>]*>See the sale</a>").Groups[1].Value;
        Assert.Contains("/r/", tracked); // rewritten through the console's redirect, not the shop's address
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await using (var reader = await _browser.Browser.NewContextAsync(new() { UserAgent = ReaderAgent }))
        {
            await reader.RouteAsync("https://shop.example.com/**", route => route.FulfillAsync(new() { ContentType = "text/html", Body = "<h1>The winter sale</h1>" }));
            var mail = await reader.NewPageAsync();
            var pixel = mail.WaitForResponseAsync(r => r.Url.Contains("/o/"));
            await mail.SetContentAsync(ada.HtmlBody!);
            Assert.True((await pixel).Ok);
            await mail.GetByRole(AriaRole.Link, new() { Name = "See the sale" }).ClickAsync();
            await mail.WaitForURLAsync(ShopUrl);
            await Expect(mail.GetByRole(AriaRole.Heading, new() { Name = "The winter sale" })).ToBeVisibleAsync();
        }

        // The report counts one reader who opened and clicked, of the two sent; the link is among the top clicked.
        await page.ReloadAsync();
        await Expect(page.GetByTestId("stat-opened")).ToHaveTextAsync("1 (50.0%)");
        await Expect(page.GetByTestId("stat-clicked")).ToHaveTextAsync("1 (50.0%)");
        var links = page.GetByTestId("engagement-links").Locator("tbody tr");
        await Expect(links).ToHaveCountAsync(1);
        await Expect(links.Locator("td")).ToHaveTextAsync([ShopUrl, "1", "1"]);
        await page.GetByTestId("who-clicked").ClickAsync();
        await Expect(page.GetByTestId("who-list").Locator("tbody tr td").First).ToHaveTextAsync(Readers[0]);
    });

    /// <summary>Two contacts with email addresses, in a list the marketer picks in compose.</summary>
    private async Task CreateReadersListAsync()
    {
        using var api = await ConsoleApi.SignInAsync(_browser.App);
        var ids = new List<long>();
        foreach (var (email, name) in Readers.Zip(new[] { "Ada", "Bo" }))
        {
            var created = await api.PostAsJsonAsync("/communication/contacts", new { email, name });
            created.EnsureSuccessStatusCode();
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
        }
        var list = await api.PostAsJsonAsync("/communication/lists", new { name = "Winter readers" });
        list.EnsureSuccessStatusCode();
        var listId = (await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        (await api.PostAsJsonAsync($"/communication/lists/{listId}/contacts", new { contact_ids = ids })).EnsureSuccessStatusCode();
    }

    /// <summary>The one message the SMTP peer received for <paramref name="address"/>, once it has arrived.</summary>
    private async Task<MimeKit.MimeMessage> ReceivedAsync(string address)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var found = _peer.Received().Where(m => m.RcptTo.Contains(address, StringComparer.OrdinalIgnoreCase)).ToList();
            if (found.Count > 0) return Assert.Single(found).Message;
            if (DateTime.UtcNow > until) throw new TimeoutException($"no message for {address} reached the SMTP peer in 60 s");
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _peer.DisposeAsync();
    }
}
