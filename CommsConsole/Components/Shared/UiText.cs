using Microsoft.Extensions.Localization;

namespace CommsConsole.Components.Shared;

/// <summary>How the console names things it shows in many places, written once so every page says them alike.</summary>
public static class UiText
{
    /// <summary>"SMS" or "Email" (邮件), the same in the compose picker, every grid and every detail.</summary>
    public static string Channel(this IStringLocalizer<Ui> l, Channel channel) => channel == Features.Common.Channel.Sms ? "SMS" : l["Email"];
}
