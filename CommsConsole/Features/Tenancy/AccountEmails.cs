using System.Globalization;
using System.Net;
using System.Text;
using System.Threading.RateLimiting;
using CommsConsole.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace CommsConsole.Features.Tenancy;

/// <summary>
/// Emails about a person's own account (password reset, email confirmation, an invitation to set a first password),
/// in the language of the page that asked for them, with links built on <c>App:PublicBaseUrl</c> rather than the
/// request's host. They go through the installation's email provider, not a tenant's, and are never written to the
/// message log, whose readers must not see a reset link.
/// </summary>
public sealed class AccountEmails(IAccountMail mail, UserManager<ApplicationUser> users, PublicUrls urls, AccountEmailLimit limit, ILogger<AccountEmails> logger)
    : IEmailSender<ApplicationUser>
{
    private sealed record Texts(string ConfirmSubject, string ConfirmBody, string ResetSubject, string ResetBody, string CodeBody,
        string InviteSubject, string InviteBody, string Button);

    private static readonly Texts English = new(
        "Confirm your email for CommsConsole", "Confirm that this address is yours:",
        "Reset your CommsConsole password", "Someone asked to reset the password of this account. If it was you, choose a new one:",
        "Your CommsConsole password reset code is:",
        "You are invited to CommsConsole", "An administrator created a CommsConsole account for {0}. Choose your password to sign in:",
        "Open CommsConsole");

    private static readonly Texts Chinese = new(
        "确认您在 CommsConsole 的邮箱", "请确认这个邮箱地址属于您：",
        "重置您的 CommsConsole 密码", "有人请求重置此账户的密码。如果是您本人，请设置新密码：",
        "您的 CommsConsole 密码重置代码是：",
        "邀请您使用 CommsConsole", "管理员为 {0} 创建了 CommsConsole 账户。请设置密码后登录：",
        "打开 CommsConsole");

    private static Texts Current => CultureInfo.CurrentUICulture.Name.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? Chinese : English;

    // Identity's pages pass their links HTML-encoded already (the template's IEmailSender contract).
    public Task SendConfirmationLinkAsync(ApplicationUser user, string email, string confirmationLink) =>
        SendAsync(user, email, Current.ConfirmSubject, Paragraph(Current.ConfirmBody) + Link(confirmationLink), "confirmation");

    public Task SendPasswordResetLinkAsync(ApplicationUser user, string email, string resetLink) =>
        SendAsync(user, email, Current.ResetSubject, Paragraph(Current.ResetBody) + Link(resetLink), "password reset");

    public Task SendPasswordResetCodeAsync(ApplicationUser user, string email, string resetCode) =>
        SendAsync(user, email, Current.ResetSubject, Paragraph(Current.CodeBody) + $"<p><b>{WebUtility.HtmlEncode(resetCode)}</b></p>", "password reset code");

    /// <summary>A link to choose a first password (a password-reset token, valid as long as Identity's tokens are).</summary>
    public async Task<string?> SendInvitationAsync(ApplicationUser user, CancellationToken ct)
    {
        var link = ResetLink(await users.GeneratePasswordResetTokenAsync(user));
        var body = Paragraph(string.Format(CultureInfo.InvariantCulture, Current.InviteBody, user.Email)) + Link(WebUtility.HtmlEncode(link));
        return await SendAsync(user, user.Email!, Current.InviteSubject, body, "invitation", ct);
    }

    /// <summary>The reset page's address for a token, on the public base URL.</summary>
    public string ResetLink(string token) =>
        urls.Absolute("Account/ResetPassword?code=" + WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token)));

    private static string Paragraph(string text) => $"<p>{WebUtility.HtmlEncode(text)}</p>";

    private static string Link(string encodedHref) =>
        $"<p><a href=\"{encodedHref}\">{WebUtility.HtmlEncode(Current.Button)}</a></p><p style=\"color:#555\">{encodedHref}</p>";

    // What anyone may ask for by email address is held to the account's hourly limit; the page answers the same either way.
    private Task SendAsync(ApplicationUser user, string to, string subject, string html, string kind)
    {
        if (limit.TryTake(user.Id)) return SendAsync(user, to, subject, html, kind, CancellationToken.None);
        logger.LogWarning("The {Kind} email of user {UserId} was not sent: over the hourly limit of account emails", kind, user.Id);
        return Task.CompletedTask;
    }

    private async Task<string?> SendAsync(ApplicationUser user, string to, string subject, string html, string kind, CancellationToken ct)
    {
        var failure = await mail.SendAsync(user.TenantId, to, subject, html, ct);
        if (failure is null) logger.LogInformation("Sent the {Kind} email of user {UserId}", kind, user.Id);
        else logger.LogWarning("The {Kind} email of user {UserId} was not sent: {Reason}", kind, user.Id, failure);
        return failure;
    }
}
