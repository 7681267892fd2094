using CommsConsole.Features.Compliance;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers;
using Microsoft.Extensions.Localization;
using CommsConsole.Data;

namespace CommsConsole.Components.Shared;

/// <summary>
/// How the console names the values it stores as codes (channel, status, purpose, role, provider, where a batch came
/// from, why an address opted out), written once so that every page says them alike and in the reader's language.
/// Each wording is a literal key, so the localisation test sees that it has a translation.
/// </summary>
public static class UiText
{
    /// <summary>"SMS" or "Email" (邮件), the same in the compose picker, every grid and every detail.</summary>
    public static string Channel(this IStringLocalizer<Ui> L, Channel channel) => channel == Features.Common.Channel.Sms ? "SMS" : L["Email"];

    public static string Status(this IStringLocalizer<Ui> L, MessageStatus status) => status switch
    {
        MessageStatus.Pending => L["pending"],
        MessageStatus.Sending => L["sending"],
        MessageStatus.Sent => L["sent"],
        MessageStatus.Delivered => L["delivered"],
        MessageStatus.Cancelled => L["cancelled"],
        MessageStatus.Suppressed => L["suppressed"],
        _ => L["failed"],
    };

    public static string Purpose(this IStringLocalizer<Ui> L, Purpose purpose) =>
        purpose == Features.Common.Purpose.Marketing ? L["marketing"] : L["transactional"];

    public static string Role(this IStringLocalizer<Ui> L, string? role) => role switch
    {
        Roles.SystemAdmin => L["SystemAdmin"],
        Roles.Admin => L["Admin"],
        Roles.Marketer => L["Marketer"],
        Roles.Integrator => L["Integrator"],
        Roles.Auditor => L["Auditor"],
        _ => role ?? "",
    };

    /// <summary>A provider by its kind (what messages and attempts record): SUBMAIL and SMTP are names, the simulated one is not.</summary>
    public static string Provider(this IStringLocalizer<Ui> L, string? kind) => kind switch
    {
        ProviderKinds.Submail => "SUBMAIL",
        ProviderKinds.Smtp => "SMTP",
        ProviderKinds.Simulated => L["Simulated"],
        _ => kind ?? "",
    };

    /// <summary>What came of one provider attempt, as the message's attempt list records it.</summary>
    public static string Attempt(this IStringLocalizer<Ui> L, string outcome) => outcome switch
    {
        "sent" => L["sent"],
        "retry" => L["to be retried"],
        "failed" => L["failed"],
        _ => outcome,
    };

    /// <summary>Where a batch came from: the console's compose page or one of the API's send endpoints.</summary>
    public static string Source(this IStringLocalizer<Ui> L, string source) => source switch
    {
        BatchSources.Console => L["sent from the console"],
        BatchSources.ApiBulk => L["sent through the API"],
        BatchSources.SmsSend or BatchSources.SmsBatch or BatchSources.SmsTemplate => L["sent through the SMS API"],
        BatchSources.Campaign => L["sent as a campaign"],
        BatchSources.CampaignTest => L["a campaign's test send"],
        _ => source,
    };

    public static string Reason(this IStringLocalizer<Ui> L, SuppressionReason reason) => reason switch
    {
        SuppressionReason.UnsubscribeLink => L["unsubscribe link"],
        SuppressionReason.SmsReplyKeyword => L["SMS reply keyword"],
        SuppressionReason.Bounce => L["bounce"],
        SuppressionReason.Admin => L["added by an admin"],
        SuppressionReason.Api => L["API"],
        SuppressionReason.Form => L["form"],
        _ => L["imported"],
    };

    /// <summary>Who added an opt-out: a user's email, or the way the recipient opted out themselves.</summary>
    public static string OptOutBy(this IStringLocalizer<Ui> L, string? by, IReadOnlyDictionary<string, string> emails) => by switch
    {
        null => "",
        "unsubscribe link" => L["unsubscribe link"],
        "SMS reply" => L["SMS reply"],
        _ => emails.TryGetValue(by, out var email) ? email : by,
    };

    /// <summary>How consent was given or withdrawn, as a contact's page and its history say it.</summary>
    public static string ConsentMethod(this IStringLocalizer<Ui> L, ConsentMethod? method) => method switch
    {
        Data.ConsentMethod.Import => L["import with stated consent"],
        Data.ConsentMethod.Api => L["API"],
        Data.ConsentMethod.Form => L["form"],
        Data.ConsentMethod.DoubleOptIn => L["double opt-in"],
        Data.ConsentMethod.ReplyKeyword => L["SMS reply keyword"],
        Data.ConsentMethod.UnsubscribeLink => L["unsubscribe link"],
        Data.ConsentMethod.Bounce => L["bounce"],
        Data.ConsentMethod.Admin => L["by an admin"],
        _ => L["not recorded"],
    };

    /// <summary>Where a contact came from.</summary>
    public static string ContactSource(this IStringLocalizer<Ui> L, ContactSource source) => source switch
    {
        Data.ContactSource.Api => L["added through the API"],
        Data.ContactSource.Import => L["imported"],
        Data.ContactSource.UnsubscribePage => L["from the unsubscribe page"],
        _ => L["added in the console"],
    };
}
