using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

/// <summary>
/// An app of its own for the page tour, filled with what the pages list (batches with sent, failed and suppressed
/// messages in both channels, a template, an opt-out, a user), and the tour itself, run once for the tests that judge it.
/// It is not <see cref="ConsoleCollection"/>'s app: the console flow tests count that app's failures.
/// </summary>
public sealed partial class TourFixture : IAsyncLifetime
{
    public const string UserEmail = "marketer@tour.test";
    public const string OptedOut = "13900000099";

    private readonly Lazy<Task<TourFindings>> _tour;

    public TourFixture() => _tour = new(() => PageTour.RunAsync(this));

    public BrowserFixture Browser { get; } = new();
    public ConsoleApp App => Browser.App;

    /// <summary>The SMS batch the campaign page shows: sent, refused and suppressed messages.</summary>
    public long BatchId { get; private set; }

    /// <summary>
    /// Texts the pages show as they were stored rather than as the console words them, wherever they appear: the codes
    /// and names of the default templates, and the content and errors recorded on messages. The tour leaves them out of
    /// its search for English.
    /// </summary>
    public List<string> Data { get; } = ["VERIFY_CODE", "NOTIFY", "WELCOME_MAIL", "Verification code", "Notification", DefaultOptOutHint];

    /// <summary>The opt-out hint a tenant's marketing SMS gets unless its Admin sets another (compliance defaults).</summary>
    public const string DefaultOptOutHint = "回复TD退订";

    /// <summary>
    /// Short stored names that a page shows on their own (a text or a label that is nothing else): the first tenant's
    /// name and the default templates' variables.
    /// </summary>
    public HashSet<string> Names { get; } = ["Default", "code", "time", "content", "name"];

    /// <summary>The tour, run on first use and shared by every test that reads its findings.</summary>
    public Task<TourFindings> TourAsync() => _tour.Value;

    public async Task InitializeAsync()
    {
        // Opening the authenticator page renews the account's security stamp (Identity resets the authenticator key). With
        // the default 60 s between checks, a tour slowed by a busy machine was signed out part way, and pages it was
        // leaving were still redirecting to the sign-in page; session revalidation has tests of its own.
        await Browser.LaunchAsync(await ConsoleApp.StartAsync("tour", new Dictionary<string, string> { ["Security:SessionRevalidationSeconds"] = "3600" }));
        using var api = await ConsoleApi.SignInAsync(App);
        (await api.PostAsJsonAsync("/admin/users", new { email = UserEmail, password = "Tour-Passw0rd!", role = "Marketer" })).EnsureSuccessStatusCode();

        // An opt-out and an email template, through the console as an Admin would add them. Data is in Chinese, so
        // that any English the Chinese pages show is the console's own.
        await using (var context = await Browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = App.BaseUrl }))
        {
            var page = await context.NewPageAsync();
            await PageTour.SignInAsync(page);
            await page.GotoAsync("/opt-outs");
            await Ui.Field(page, "optout-address").FillAsync(OptedOut);
            await page.GetByTestId("optout-add").ClickAsync();
            await Expect(page.GetByTestId("optout-row-address").GetByText(OptedOut)).ToBeVisibleAsync();

            await page.GotoAsync("/templates");
            await page.GetByTestId("new-template").ClickAsync();
            await Ui.Field(page, "template-code-input").FillAsync("WELCOME_MAIL");
            await Ui.Field(page, "template-name-input").FillAsync("欢迎邮件");
            await page.Locator(".mud-input-control", new() { Has = page.Locator("[data-testid=template-channel]") }).ClickAsync();
            await page.GetByRole(AriaRole.Option, new() { Name = "Email" }).ClickAsync();
            await Ui.Field(page, "template-subject").FillAsync("欢迎加入");
            await Ui.Field(page, "template-body").FillAsync("{{ name }}，您好，欢迎加入。");
            // The body reaches the server after the field's debounce; the email's preview (or, for marketing email of a tenant
            // without its postal address, the reason there is none) shows when it has.
            await Expect(page.GetByTestId("email-preview").Or(page.GetByTestId("template-preview-error"))).ToBeVisibleAsync();
            await page.GetByTestId("template-save").ClickAsync();
            await Expect(page.GetByTestId("template-code").GetByText("WELCOME_MAIL")).ToBeVisibleAsync();
        }

        // Marketing SMS the provider sends, refuses and (for the opted-out number) never gets; transactional email.
        BatchId = await ConsoleApi.SendBatchAsync(api, new
        {
            channel = "sms", purpose = "marketing", content = "春季促销：本周全部套餐八折。",
            recipients = new[] { "13800000001", "13800000002", ConsoleApp.RejectedPrefix + "0001", OptedOut },
        });
        await ConsoleApi.SendBatchAsync(api, new
        {
            channel = "email", purpose = "transactional", subject = "您的收据", content = "感谢您的订购，收据见附件。",
            recipients = new[] { "buyer1@tour.test", "buyer2@tour.test" },
        });

        // Until every message has its outcome, then what the messages recorded.
        for (var attempt = 0; ; attempt++)
        {
            var logs = await api.GetFromJsonAsync<JsonElement>("/communication/logs?page_size=100");
            var items = logs.GetProperty("items").EnumerateArray().ToList();
            if (items.Count == 6 && items.All(m => m.GetProperty("status").GetString() is not ("pending" or "sending")))
            {
                Data.AddRange(items.SelectMany(m => new[] { m.GetProperty("error").GetString(), m.GetProperty("content").GetString() }).OfType<string>());
                break;
            }
            if (attempt == 600) throw new TimeoutException("the tour's messages did not all reach an outcome: " + logs);
            await Task.Delay(100);
        }
    }

    public Task DisposeAsync() => Browser.DisposeAsync();
}
