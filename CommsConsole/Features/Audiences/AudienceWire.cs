using CommsConsole.Data;

namespace CommsConsole.Features.Audiences;

/// <summary>The names consent methods and contact sources have in the REST API, both ways.</summary>
public static class AudienceWire
{
    private static readonly (ConsentMethod Method, string Name)[] Methods =
    [
        (ConsentMethod.Import, "import"), (ConsentMethod.Api, "api"), (ConsentMethod.Form, "form"), (ConsentMethod.DoubleOptIn, "double_opt_in"),
        (ConsentMethod.ReplyKeyword, "reply_keyword"), (ConsentMethod.UnsubscribeLink, "unsubscribe_link"), (ConsentMethod.Admin, "admin"),
        (ConsentMethod.Bounce, "bounce"),
    ];

    public static readonly string MethodNames = string.Join(", ", Methods.Select(m => m.Name));

    public static string ToWire(ConsentMethod method) => Methods.First(m => m.Method == method).Name;

    public static bool TryParseMethod(string? value, out ConsentMethod method)
    {
        var name = value?.Trim().ToLowerInvariant();
        foreach (var (m, n) in Methods)
        {
            if (n != name) continue;
            method = m;
            return true;
        }
        method = default;
        return false;
    }

    public static string ToWire(ContactSource source) => source switch
    {
        ContactSource.Api => "api",
        ContactSource.Import => "import",
        ContactSource.UnsubscribePage => "unsubscribe_page",
        _ => "console",
    };
}
