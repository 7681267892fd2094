namespace CommsConsole.Features.Messaging;

public enum SmsEncoding { Gsm7, Ucs2 }

/// <summary>How an SMS text is billed: its encoding, its length in that encoding, and the number of parts.</summary>
public readonly record struct SmsMeasure(SmsEncoding Encoding, int Length, int Segments, int PerSegment);

/// <summary>
/// SMS length rules (GSM 03.38): text entirely in the GSM 7-bit alphabet goes 160 characters in one message
/// and 153 per part when split (extension-table characters take two); anything else is sent as UCS-2,
/// 70 in one and 67 per part, counted in UTF-16 code units.
/// </summary>
public static class SmsText
{
    private const string Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    private const string Extension = "^{}\\[~]|€\f";

    private static readonly HashSet<char> BasicSet = [.. Basic];
    private static readonly HashSet<char> ExtensionSet = [.. Extension];

    public static SmsMeasure Measure(string? text)
    {
        if (string.IsNullOrEmpty(text)) return new SmsMeasure(SmsEncoding.Gsm7, 0, 0, 160);

        var septets = 0;
        foreach (var c in text)
        {
            if (BasicSet.Contains(c)) septets++;
            else if (ExtensionSet.Contains(c)) septets += 2;
            else return Ucs2(text.Length);
        }
        return septets <= 160
            ? new SmsMeasure(SmsEncoding.Gsm7, septets, 1, 160)
            : new SmsMeasure(SmsEncoding.Gsm7, septets, (septets + 152) / 153, 153);
    }

    private static SmsMeasure Ucs2(int units) => units <= 70
        ? new SmsMeasure(SmsEncoding.Ucs2, units, 1, 70)
        : new SmsMeasure(SmsEncoding.Ucs2, units, (units + 66) / 67, 67);
}
