using Microsoft.Extensions.Localization;
using MudBlazor;

namespace CommsConsole.Components.Shared;

/// <summary>
/// Gives MudBlazor's components the console's language through MudBlazor's localization extension point. A key with no
/// translation is reported as not found, so MudBlazor falls back to its own English text. (MudBlazor.Translations, which
/// ships such texts, is not served by this installation's package registry.)
/// </summary>
public sealed partial class ConsoleMudLocalizer(IStringLocalizer<MudText> texts) : MudLocalizer
{
    public override LocalizedString this[string key]
    {
        get
        {
            var text = texts[key];
            return text.ResourceNotFound ? new LocalizedString(key, key, resourceNotFound: true) : text;
        }
    }

    public override LocalizedString this[string key, params object[] arguments]
    {
        get
        {
            var text = this[key];
            // Some of MudBlazor's texts name their holes ({first_item}) and fill them itself: those are passed on as they are.
            if (text.ResourceNotFound || arguments.Length == 0 || NamedHoles().IsMatch(text.Value)) return text;
            return new LocalizedString(key, string.Format(System.Globalization.CultureInfo.CurrentCulture, text.Value, arguments));
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\{[A-Za-z_]")]
    private static partial System.Text.RegularExpressions.Regex NamedHoles();
}
