using System.Globalization;
using CommsConsole.Components.Shared;
using CommsConsole.Data;
using CommsConsole.Features.Campaigns;
using CommsConsole.Features.Messaging;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using Microsoft.JSInterop;
using MudBlazor;

namespace CommsConsole.Components.Pages.Campaigns;

/// <summary>
/// One campaign: while a draft or scheduled, its editor with a per-recipient preview (the compose page's own,
/// <see cref="ComposeService.PreviewAsync"/>) and its actions; once started, its report.
/// </summary>
public partial class CampaignDetail : IAsyncDisposable
{
    [Inject] private IStringLocalizer<Ui> L { get; set; } = default!;
    [Inject] private ServiceRunner Services { get; set; } = default!;
    [Inject] private CallerState CallerState { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private TenantClock Clock { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;

    [Parameter] public long Id { get; set; }

    /// <summary>Members of a list or segment offered in the preview's recipient picker.</summary>
    private const int PreviewChoices = 50;

    private CampaignView? _view;
    private CampaignStats? _stats;
    private bool _notFound;
    private bool _busy;
    private Caller? _caller;
    private TimeZoneInfo _zone = TimeZoneInfo.Utc;
    private string _currency = Features.Compliance.Currencies.Fallback;
    private List<Template> _templates = [];
    private Dictionary<long, string> _lists = [];
    private Dictionary<long, string> _segments = [];

    private string? _name, _subject, _content, _templateCode, _recipients;
    private Purpose _purpose = Purpose.Marketing;
    private EmailBodyFormat? _format;
    private DateTime? _date;
    private TimeSpan? _time;

    private List<(string Key, string Label)> _previewChoices = [];
    private string? _previewFor;
    private ComposePreview? _preview;
    private readonly NewestAnswer _previews = new();
    private int _audienceCount;

    private List<ChartSeries<double>> _series = [];
    private string[] _labels = [];

    private PeriodicTimer? _timer;
    private Task? _polling;
    private readonly CancellationTokenSource _stop = new();

    private bool MaySend => _caller?.CanSend == true;
    private bool Editable => _view?.Campaign.State is CampaignState.Draft or CampaignState.Scheduled;
    private DateTime TenantNow => TimeZoneInfo.ConvertTime(Time.GetUtcNow(), _zone).DateTime;
    private int AudienceCount => _audienceCount;

    private string AudienceName => _view?.Campaign switch
    {
        { ListId: { } list } => string.Format(L["List: {0}"], _lists.GetValueOrDefault(list, "#" + list)),
        { SegmentId: { } segment } => string.Format(L["Segment: {0}"], _segments.GetValueOrDefault(segment, "#" + segment)),
        _ => "",
    };

    private static string Rate(int part, int whole) => whole == 0 ? "—" : ((double)part / whole).ToString("P1", CultureInfo.CurrentCulture);

    protected override async Task OnParametersSetAsync()
    {
        var caller = _caller ??= await CallerState.GetAsync();
        _zone = await Clock.ZoneAsync();
        _currency = await Clock.CurrencyAsync();
        _templates = await Services.RunAsync<Features.Templates.TemplateService, List<Template>>(t => t.ListAsync(caller, CancellationToken.None));
        var lists = await Services.RunAsync<Features.Audiences.ContactListService, Result<IReadOnlyList<Features.Audiences.ContactListView>>>(l => l.ListAsync(caller, CancellationToken.None));
        _lists = (lists.Value ?? []).ToDictionary(l => l.List.Id, l => l.List.Name);
        _segments = (await Services.RunAsync<Features.Audiences.SegmentService, IReadOnlyList<Segment>>(s => s.NamesAsync(caller, CancellationToken.None)))
            .ToDictionary(s => s.Id, s => s.Name);
        await LoadAsync(resetForm: true);
        _timer ??= new PeriodicTimer(TimeSpan.FromSeconds(2));
        _polling ??= PollAsync();
    }

    /// <summary>While the campaign is sending, its report refreshes without a reload.</summary>
    private async Task PollAsync()
    {
        try
        {
            while (await _timer!.WaitForNextTickAsync(_stop.Token))
            {
                if (_view?.Campaign.State is not (CampaignState.Sending or CampaignState.Scheduled)) continue;
                await LoadAsync(resetForm: false);
                await InvokeAsync(StateHasChanged);
            }
        }
        catch (OperationCanceledException)
        {
            // The page was left.
        }
    }

    private async Task LoadAsync(bool resetForm)
    {
        var caller = _caller!;
        var result = await Services.RunAsync<CampaignService, Result<CampaignView>>(s => s.GetAsync(Id, caller, CancellationToken.None));
        _notFound = !result.IsOk;
        var before = _view?.Campaign.State;
        _view = result.Value;
        if (_view is null) return;
        var c = _view.Campaign;
        if (resetForm || before != c.State)
        {
            (_name, _subject, _content, _templateCode, _purpose, _format) = (c.Name, c.Subject, c.Content, c.TemplateCode, c.Purpose ?? Purpose.Marketing, c.Format);
            _recipients = string.Join("\n", CampaignService.RecipientsOf(c));
            var planned = c.ScheduledAt is { } at ? TimeZoneInfo.ConvertTime(at, _zone).DateTime : TenantNow.AddHours(1);
            (_date, _time) = (planned.Date, new TimeSpan(planned.Hour, planned.Minute, 0));
            if (Editable) await LoadPreviewChoicesAsync();
        }
        if (c.BatchId is not null)
        {
            var stats = await Services.RunAsync<CampaignService, Result<CampaignStats>>(s => s.StatsAsync(Id, caller, CancellationToken.None));
            _stats = stats.Value;
            if (_stats is { } s)
            {
                _labels = s.SendsByHour.Select(h => TimeZoneInfo.ConvertTime(h.Hour, _zone).ToString("MM-dd HH:00", CultureInfo.InvariantCulture)).ToArray();
                _series = [new ChartSeries<double> { Name = L["sent"], Data = new ChartData<double>(s.SendsByHour.Select(h => (double)h.Count).ToList()) }];
            }
        }
    }

    /// <summary>Who the preview can be shown for: the pasted recipients, or members of the list or segment.</summary>
    private async Task LoadPreviewChoicesAsync()
    {
        var c = _view!.Campaign;
        var caller = _caller!;
        if (c.ListId is null && c.SegmentId is null)
        {
            _previewChoices = CampaignService.RecipientsOf(c).Take(PreviewChoices).Select(r => ("r:" + r, r)).ToList();
            _audienceCount = RecipientList.ParseText(string.Join("\n", CampaignService.RecipientsOf(c)), c.Channel).Valid.Count;
        }
        else
        {
            var filter = new Features.Audiences.ContactFilter(ListId: c.ListId, SegmentId: c.SegmentId, PageSize: PreviewChoices);
            var page = await Services.RunAsync<Features.Audiences.ContactService, Result<Page<Features.Audiences.ContactView>>>(s => s.ListAsync(filter, caller, CancellationToken.None));
            _previewChoices = (page.Value?.Items ?? []).Select(v => ("c:" + v.Contact.Id.ToString(CultureInfo.InvariantCulture),
                string.Join(" · ", new[] { v.Contact.Name, c.Channel == Channel.Sms ? v.Contact.Phone : v.Contact.Email }.Where(x => !string.IsNullOrEmpty(x))))).ToList();
        }
        _previewFor = _previewChoices.FirstOrDefault().Key;
        await RefreshPreviewAsync();
    }

    private async Task PreviewForChangedAsync(string? key)
    {
        _previewFor = key;
        await RefreshPreviewAsync();
    }

    // The preview follows the editor, before anything is saved.
    private async Task ContentChangedAsync(string? value) { _content = value; await RefreshPreviewAsync(); }
    private async Task SubjectChangedAsync(string? value) { _subject = value; await RefreshPreviewAsync(); }
    private async Task FormatChangedAsync(EmailBodyFormat? value) { _format = value; await RefreshPreviewAsync(); }
    private async Task TemplateChangedAsync(string? value) { _templateCode = value; await RefreshPreviewAsync(); }
    private async Task PurposeChangedAsync(Purpose value) { _purpose = value; await RefreshPreviewAsync(); }

    private ComposeDraft Draft()
    {
        var c = _view!.Campaign;
        AudienceRef? audience = c.ListId is { } list ? new AudienceRef(AudienceKind.List, list, "list_id")
            : c.SegmentId is { } segment ? new AudienceRef(AudienceKind.Segment, segment, "segment_id") : null;
        var one = audience is null && _previewFor is { } key && key.StartsWith("r:", StringComparison.Ordinal) ? key[2..] : null;
        long? contact = audience is not null && _previewFor is { } k && k.StartsWith("c:", StringComparison.Ordinal)
            && long.TryParse(k[2..], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        return new ComposeDraft
        {
            Name = c.Name, Channel = c.Channel, Purpose = _purpose, TemplateCode = string.IsNullOrEmpty(_templateCode) ? null : _templateCode,
            Content = _content, Subject = _subject, Format = string.IsNullOrEmpty(_templateCode) ? _format : null,
            Variables = CampaignService.VariablesOf(c), Audience = audience, PreviewContactId = contact,
            Recipients = RecipientList.ParseText(one, c.Channel),
        };
    }

    private async Task RefreshPreviewAsync()
    {
        var caller = _caller!;
        var draft = Draft();
        ComposePreview? preview = null;
        await _previews.RunAsync(() => Services.RunAsync<ComposeService, ComposePreview>(s => s.PreviewAsync(draft, caller, CancellationToken.None)), p => preview = p);
        if (preview is null) return; // a newer preview is on its way
        _preview = preview;
        if (draft.Audience is not null) _audienceCount = _preview.Audience?.WillReceive ?? 0;
        else if (_preview.MessageCount > 0 && _audienceCount > 0)
        {
            // The preview priced one recipient; the send goes to all of them.
            var perMessage = _preview.TotalSegments / _preview.MessageCount;
            _preview = _preview with { TotalSegments = perMessage * _audienceCount, EstimatedCost = _preview.EstimatedCost / _preview.MessageCount * _audienceCount };
        }
    }

    private async Task<bool> RunAsync(Func<CampaignService, Caller, Task<AppError?>> action, string done)
    {
        _busy = true;
        try
        {
            var caller = _caller!;
            var error = await Services.RunAsync<CampaignService, AppError?>(s => action(s, caller));
            if (error is not null)
            {
                Snackbar.Add(L.Error(error), Severity.Warning);
                await LoadAsync(resetForm: false);
                return false;
            }
            Snackbar.Add(done, Severity.Success);
            await LoadAsync(resetForm: true);
            return true;
        }
        finally
        {
            _busy = false;
        }
    }

    private Task SaveAsync()
    {
        var c = _view!.Campaign;
        var pasted = c.ListId is null && c.SegmentId is null;
        var input = new CampaignInput
        {
            Name = _name ?? "", Subject = _subject ?? "", Content = _content ?? "", Template = _templateCode ?? "", Purpose = _purpose.ToWire(),
            Format = _format?.ToWire() ?? "",
            Recipients = pasted ? RecipientList.ParseText(_recipients, c.Channel).Valid.Select(r => (string?)r.Normalized).ToList() : null,
        };
        return RunAsync(async (s, caller) => (await s.PatchAsync(Id, input, caller, CancellationToken.None)).Error, L["Saved."]);
    }

    private async Task TestAsync()
    {
        var dialog = await Dialogs.ShowAsync<CampaignTestDialog>(L["Send a test"]);
        var result = await dialog.Result;
        if (result is not { Canceled: false, Data: string text }) return;
        var recipients = text.Split(['\n', ',', ';', '，', '；'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r => (string?)r).ToList();
        await RunAsync(async (s, caller) => (await s.TestSendAsync(Id, recipients, caller, CancellationToken.None)).Error, L["Test sent."]);
    }

    private async Task ScheduleAsync()
    {
        if (_date is not { } d || _time is not { } t) return;
        var at = ComposeService.ScheduleInstant(d, t, _zone);
        await RunAsync(async (s, caller) => (await s.ScheduleAsync(Id, at, caller, CancellationToken.None)).Error,
            string.Format(L["Scheduled for {0}."], TenantClock.Format(at, _zone)));
    }

    private async Task SendNowAsync()
    {
        var message = string.Format(L["{0} messages will be sent {1}. Estimated cost {2}."], AudienceCount, L["now"], TenantClock.Money(_preview?.EstimatedCost ?? 0, _currency));
        if (_preview?.Audience is { } a)
            message += " " + string.Format(L["Left out: {0} without an address, {1} unsubscribed, {2} invalid."], a.NoAddress, a.Unsubscribed, a.Invalid);
        var confirmed = await Dialogs.ShowMessageBoxAsync(L["Confirm send"], message, yesText: L["Send"], cancelText: L["Cancel"]);
        if (confirmed != true) return;
        await RunAsync(async (s, caller) => (await s.SendNowAsync(Id, caller, CancellationToken.None)).Error, L["The campaign has started."]);
    }

    private async Task CancelAsync()
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(L["Cancel campaign"], L["The campaign will not be sent. You can duplicate it later."], yesText: L["Cancel campaign"], cancelText: L["Keep"]);
        if (confirmed != true) return;
        await RunAsync(async (s, caller) => (await s.CancelAsync(Id, caller, CancellationToken.None)).Error, L["The campaign was cancelled."]);
    }

    private async Task DuplicateAsync()
    {
        var caller = _caller!;
        var result = await Services.RunAsync<CampaignService, Result<Campaign>>(s => s.DuplicateAsync(Id, caller, CancellationToken.None));
        if (!result.IsOk)
        {
            Snackbar.Add(L.Error(result.Error!), Severity.Warning);
            return;
        }
        Navigation.NavigateTo($"campaigns/{result.Value!.Id}");
    }

    private async Task ExportAsync()
    {
        if (_view?.Campaign.BatchId is not { } batchId) return;
        _busy = true;
        try
        {
            var caller = _caller!;
            var filter = new LogFilter { BatchId = batchId, PageSize = PageSizes.Max };
            using var buffer = new MemoryStream();
            var result = await Services.RunAsync<LogExport, Result<int>>(e => e.WriteCsvAsync(filter, caller, buffer, CancellationToken.None));
            if (!result.IsOk)
            {
                Snackbar.Add(L.Error(result.Error!), Severity.Warning);
                return;
            }
            buffer.Position = 0;
            using var stream = new DotNetStreamReference(buffer, leaveOpen: true);
            await JS.InvokeVoidAsync("commsConsole.downloadFile", $"campaign-{Id}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv", stream);
            Snackbar.Add(string.Format(L["Exported {0} messages"], result.Value), Severity.Success);
        }
        finally
        {
            _busy = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _timer?.Dispose();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}
