using System.Globalization;
using CommsConsole.Features.Common;
using Microsoft.Extensions.Localization;

namespace CommsConsole.Components.Shared;

/// <summary>
/// How the console says a service's error: its words from the translations, its values formatted for the user's
/// culture, and the field it names by the field's label. Every page shows errors through here, never by
/// <see cref="AppError.Message"/> (the APIs' English).
/// </summary>
public static class ErrorTexts
{
    /// <summary>The label the console shows for each field name an error can start with (English keys of Ui.zh-CN.resx).</summary>
    public static readonly IReadOnlyDictionary<string, string> FieldLabels = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["address"] = "Address",
        ["app_id"] = "App ID",
        ["attributes"] = "Attributes",
        ["app_key"] = "App key",
        ["base_url"] = "API address",
        ["batch_id"] = "Batch",
        ["body"] = "Body",
        ["bizType"] = "Business type",
        ["channel"] = "Channel",
        ["code"] = "Code",
        ["contact"] = "Contact",
        ["delivery_id"] = "Delivery",
        ["description"] = "Description",
        ["events"] = "Events",
        ["contact_ids"] = "Contacts",
        ["contact_id"] = "Contact",
        ["consent"] = "Consent",
        ["list_id"] = "List",
        ["listId"] = "List",
        ["segment_id"] = "Segment",
        ["segmentId"] = "Segment",
        ["scheduled_at"] = "Scheduled for",
        ["state"] = "State",
        ["content"] = "Content",
        ["currency"] = "Currency of provider prices and costs",
        ["email"] = "Email",
        ["expires_at"] = "Expires",
        ["file"] = "File",
        ["format"] = "Format",
        ["from_address"] = "Sender address",
        ["from_name"] = "Sender name",
        ["host"] = "SMTP host",
        ["how"] = "How",
        ["id"] = "ID",
        ["kind"] = "Provider",
        ["mailbox_host"] = "Mailbox host",
        ["mailbox_port"] = "Port",
        ["filter"] = "Filter",
        ["mapping"] = "Column mapping",
        ["max_concurrency"] = "Requests at once (0: no limit)",
        ["messages_per_second"] = "Messages per second (0: no limit)",
        ["name"] = "Name",
        ["scopes"] = "Scopes",
        ["starter"] = "Starter template",
        ["note"] = "Note",
        ["page"] = "Page",
        ["protocol"] = "Protocol",
        ["soft_bounce_limit"] = "Soft bounces in a row before suppressing",
        ["page_size"] = "Page size",
        ["password"] = "Password",
        ["phone"] = "Phone number",
        ["phones"] = "Phone numbers",
        ["port"] = "Port",
        ["postal_address"] = "Postal address (printed in the footer of every marketing email)",
        ["purpose"] = "Purpose",
        ["quiet_hours_end"] = "Quiet hours until (HH:mm)",
        ["quiet_hours_start"] = "Quiet hours from (HH:mm)",
        ["reason"] = "Reason",
        ["receiverName"] = "Receiver name",
        ["recipients"] = "Recipients",
        ["remark"] = "Remark",
        ["retention_days"] = "Keep message content and recipients for (days)",
        ["role"] = "Role",
        ["security"] = "Security",
        ["sensitive_words"] = "Sensitive words",
        ["sign_type"] = "Signing",
        ["signature"] = "Signature",
        ["sms_opt_out_hint"] = "Opt-out hint appended to marketing SMS",
        ["sort"] = "Sort",
        ["status"] = "Status",
        ["subhook_key"] = "SUBHOOK key",
        ["subject"] = "Subject",
        ["subscribed"] = "Consent",
        ["tags"] = "Tags",
        ["template"] = "Template",
        ["templateCode"] = "Template",
        ["tenant"] = "Tenant",
        ["tenant_id"] = "Tenant",
        ["time_zone"] = "Time zone",
        ["timeout_seconds"] = "Timeout (seconds)",
        ["timestamp"] = "Timestamp",
        ["token"] = "Token",
        ["unit_price"] = "Price per segment",
        ["url"] = "URL",
        ["user_id"] = "User",
        ["user_name"] = "User name",
        ["variables"] = "Variables",
    };

    /// <summary>Words of closed vocabularies (<see cref="ErrorText.Term"/>) whose console key is not the word itself.</summary>
    private static readonly IReadOnlyDictionary<string, string> TermKeys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["sms"] = "SMS",
        ["email"] = "Email",
    };

    /// <summary>The error in the user's language.</summary>
    public static string Error(this IStringLocalizer<Ui> l, AppError error) => l.Text(error.Text);

    /// <summary>The text in the user's language; a value is shown as it is, never read as markup or as a format.</summary>
    public static string Text(this IStringLocalizer<Ui> l, ErrorText text)
    {
        var args = text.Args.Select(a => a is ErrorText inner ? l.Text(inner) : a).ToArray();
        var format = text.Format.Length == 0 ? "" : text.Args.Count == 0 && text.Field is null && TermKeys.TryGetValue(text.Format, out var key) ? l[key].Value : l[text.Format].Value;
        var body = string.Format(CultureInfo.CurrentCulture, format, args);
        return text.Field is null ? body : string.Format(CultureInfo.CurrentCulture, l["{0}: {1}"], l.Field(text.Field), body);
    }

    /// <summary>The label of a field named by its wire name; a field the console has no label for keeps its name.</summary>
    public static string Field(this IStringLocalizer<Ui> l, string wireName) =>
        FieldLabels.TryGetValue(wireName, out var label) ? l[label] : wireName;
}
