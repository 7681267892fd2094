using Microsoft.Playwright;
using CommsConsole.Tests.Features.Providers;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

/// <summary>
/// Marketing email to a real SMTP peer (aiosmtpd), the recipient's unsubscribe link opened from the message received,
/// and the next marketing send to that address recorded as suppressed: in the browser, against the app run as a process.
/// </summary>
public sealed class UnsubscribeFlowTests : IAsyncLifetime
{
    private const string Reader = "reader@example.com";
    private SmtpPeer _peer = null!;
    private BrowserFixture _browser = null!;
    private ConsoleApp _app = null!;

    public async Task InitializeAsync()
    {
        _peer = await SmtpPeer.StartAsync();
        _app = await ConsoleApp.StartAsync("unsubscribe", ConsoleApp.SmtpPeerSettings(_peer.Port));
        _browser = new BrowserFixture();
        await _browser.LaunchAsync(_app);
    }

    [Fact]
    public Task MarketingEmail_UnsubscribeLinkFromTheReceivedMessage_SuppressesTheNextSend() => _browser.RunPageAsync(nameof(MarketingEmail_UnsubscribeLinkFromTheReceivedMessage_SuppressesTheNextSend), async page =>
    {
        await Ui.SignInAsync(page, ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        await Expect(page.GetByTestId("signed-in-user")).ToBeVisibleAsync();

        await Ui.SetPostalAddressAsync(page, "CommsConsole Ltd, 1 Example Road, Shanghai");

        await SendMarketingEmailAsync(page);
        await Expect(page.GetByTestId("batch-progress")).ToHaveTextAsync("100%", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("count-sent")).ToHaveTextAsync("1");

        // The link as the reader's mail client shows it, from the message the SMTP peer received.
        var received = Assert.Single(_peer.Received());
        Assert.Equal([Reader], received.RcptTo);
        Assert.Equal("List-Unsubscribe=One-Click", received.Message.Headers["List-Unsubscribe-Post"]);
        Assert.Contains("1 Example Road, Shanghai", received.Message.HtmlBody);
        var link = System.Text.RegularExpressions.Regex.Match(received.Message.HtmlBody ?? "", "<a href=\"([^\"]+/u/[^\"]+)\"").Groups[1].Value;
        link = System.Net.WebUtility.HtmlDecode(link);
        Assert.Equal("<" + link + ">", received.Message.Headers["List-Unsubscribe"]);

        await page.GotoAsync(link);
        await Expect(page.GetByText("r***@example.com").First).ToBeVisibleAsync();
        await page.GetByTestId("unsubscribe-confirm").ClickAsync();
        await Expect(page.GetByTestId("unsubscribed")).ToBeVisibleAsync();
        Assert.Equal(link, page.Url);

        // The next marketing send to that address is recorded, not sent.
        await SendMarketingEmailAsync(page);
        await Expect(page.GetByTestId("batch-progress")).ToHaveTextAsync("100%", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("count-suppressed")).ToHaveTextAsync("1");
        await Expect(page.GetByTestId("count-sent")).ToHaveTextAsync("0");
        await page.GotoAsync("/logs?status=suppressed");
        await Expect(page.GetByTestId("log-recipient")).ToHaveCountAsync(1);
        await page.GetByTestId("log-recipient").First.ClickAsync();
        await Expect(page.GetByTestId("detail-error")).ToContainTextAsync("unsubscribe link");
        Assert.Single(_peer.Received());
    });

    private static async Task SendMarketingEmailAsync(IPage page)
    {
        await page.GotoAsync("/compose");
        await page.GetByTestId("channel").GetByText("Email").ClickAsync();
        await Ui.Field(page, "subject").FillAsync("Autumn sale");
        await Ui.Field(page, "content").FillAsync("<p>Hello, 20% off this week.</p>");
        await Ui.Field(page, "recipients").FillAsync(Reader);
        await Expect(page.GetByTestId("valid-count")).ToHaveTextAsync("1");
        // The HTML email is previewed rendered, in a sandboxed frame, with the footer it will get.
        await Expect(page.GetByTestId("preview-frame").First.ContentFrame.GetByText("1 Example Road", new() { Exact = false })).ToBeVisibleAsync();
        await page.GetByTestId("send").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/batches/*");
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _peer.DisposeAsync();
    }
}
