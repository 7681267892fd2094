using Microsoft.Playwright;

namespace CommsConsole.E2E;

/// <summary>Steps every browser test shares.</summary>
public static class Ui
{
    public static async Task SignInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("input[name='Input.Email']", email);
        await page.FillAsync("input[name='Input.Password']", password);
        await page.ClickAsync("button[type='submit']");
    }
}
