using System.Globalization;

namespace CommsConsole.Features.Audiences;

/// <summary>
/// Ids in a path. Read by the handler rather than a route constraint, so that an id that is not one (letters, digits of
/// another script) is answered as a missing contact or list, in the family's envelope, like any id that names nothing.
/// </summary>
public static class AudienceIds
{
    public static bool TryParse(string raw, string kind, out long id, out AppError? missing)
    {
        missing = null;
        if (long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id > 0) return true;
        missing = kind switch
        {
            "list" => AppError.NotFound($"id: no list with id {Phones.Echo(raw)}"),
            "import" => AppError.NotFound($"id: no import with id {Phones.Echo(raw)}"),
            _ => AppError.NotFound($"id: no contact with id {Phones.Echo(raw)}"),
        };
        return false;
    }
}
