namespace CommsConsole.E2E;

/// <summary>
/// Every page of the console and of the account area, in one list, so that the tests that look at all of them
/// (screenshots, untranslated text, accessibility) cannot drift apart. Add a page here when you add one to the app.
/// </summary>
public static class ConsolePages
{
    public static readonly IReadOnlyList<ConsolePage> Console =
    [
        new("dashboard", "/"),
        new("compose", "/compose"),
        new("campaigns", "/batches"),
        new("campaign", "/batches/{batch}"),
        new("campaign-list", "/campaigns"),
        new("templates", "/templates"),
        new("logs", "/logs"),
        new("contacts", "/contacts"),
        new("lists", "/lists"),
        new("segments", "/segments"),
        new("opt-outs", "/opt-outs"),
        new("compliance", "/settings/compliance"),
        new("providers", "/settings/providers"),
        new("webhooks", "/settings/webhooks"),
        new("developers", "/developers"),
        new("users", "/users"),
        new("tenants", "/tenants"),
        new("not-found", "/not-found"),
        new("error", "/Error"),
    ];

    public static readonly IReadOnlyList<ConsolePage> Account =
    [
        new("sign-in", "/Account/Login", SignedIn: false),
        new("forgot-password", "/Account/ForgotPassword", SignedIn: false),
        new("forgot-password-sent", "/Account/ForgotPasswordConfirmation", SignedIn: false),
        new("reset-password-invalid", "/Account/InvalidPasswordReset", SignedIn: false),
        new("lockout", "/Account/Lockout", SignedIn: false),
        new("profile", "/Account/Manage"),
        new("email", "/Account/Manage/Email"),
        new("password", "/Account/Manage/ChangePassword"),
        new("two-factor", "/Account/Manage/TwoFactorAuthentication"),
        new("authenticator", "/Account/Manage/EnableAuthenticator"),
        new("passkeys", "/Account/Manage/Passkeys"),
        new("personal-data", "/Account/Manage/PersonalData"),
        new("access-denied", "/Account/AccessDenied"),
    ];

    public static IEnumerable<ConsolePage> All => Console.Concat(Account);
}
