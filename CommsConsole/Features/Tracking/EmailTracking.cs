using CommsConsole.Data;
using CommsConsole.Features.Compliance;

namespace CommsConsole.Features.Tracking;

/// <summary>
/// Tracking as dispatch applies it to one tenant's chunk of email: which messages are tracked (HTML email of a purpose the
/// tenant tracks: marketing unless turned off, transactional only when turned on) and their content with links rewritten
/// and the pixel added. Applied to the stored content before the unsubscribe link is added, so positions are counted in
/// exactly the text that <c>/r/</c> reads back.
/// </summary>
public sealed class EmailTracking(TrackingLinks links, PolicyService policies)
{
    /// <summary>The tenant's tracking for a chunk of <paramref name="channel"/>; null when nothing in it can be tracked.</summary>
    public async Task<TenantTracking?> ForTenantAsync(string tenantId, Channel channel, CancellationToken ct)
    {
        if (channel != Channel.Email) return null;
        var policy = await policies.GetAsync(tenantId, ct);
        return policy.TrackMarketingEmail || policy.TrackTransactionalEmail ? new TenantTracking(links, policy) : null;
    }
}

/// <summary>
/// One tenant's tracking for one chunk. A chunk's messages mostly share one text (a campaign without personal fields), so
/// each distinct text is parsed once, into a form with a mark where each message's own token goes.
/// </summary>
public sealed class TenantTracking(TrackingLinks links, EffectivePolicy policy)
{
    private const char Open = '\uE000', Close = '\uE001';
    private const int MaxCachedTexts = 32;
    private readonly Dictionary<string, string[]?> _forms = new(StringComparer.Ordinal);

    public bool Applies(Message m) => m.Channel == Channel.Email && m.IsHtml && policy.TracksEmail(m.Purpose);

    /// <summary>The message's content as it goes out: every trackable link through <c>/r/</c>, and the open pixel.</summary>
    public string Rewrite(Message m)
    {
        if (!_forms.TryGetValue(m.Content, out var form))
        {
            form = FormOf(m.Content);
            if (_forms.Count < MaxCachedTexts) _forms[m.Content] = form;
        }
        if (form is null) return TrackedHtml.Rewrite(m.Content, links.BaseUrl, position => links.ClickUrl(m.Id, position), links.OpenUrl(m.Id));
        // Even parts are text, odd parts a mark: "o" for the pixel, else a link's position.
        var html = new System.Text.StringBuilder(m.Content.Length + 64 * form.Length);
        for (var i = 0; i < form.Length; i++)
        {
            if (i % 2 == 0) html.Append(form[i]);
            else html.Append(form[i] == "o" ? links.OpenUrl(m.Id) : links.ClickUrl(m.Id, int.Parse(form[i], System.Globalization.CultureInfo.InvariantCulture)));
        }
        return html.ToString();
    }

    /// <summary>The rewritten text split around its marks, or null when the text itself holds a mark's characters.</summary>
    private string[]? FormOf(string content)
    {
        if (content.Contains(Open) || content.Contains(Close)) return null;
        var marked = TrackedHtml.Rewrite(content, links.BaseUrl, position => $"{Open}{position}{Close}", $"{Open}o{Close}");
        return marked.Split(Open, Close);
    }
}
