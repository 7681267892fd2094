using CommsConsole.Components.Shared;
using CommsConsole.Data;
using CommsConsole.Features.Audiences;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using MudBlazor;

namespace CommsConsole.Components.Pages.Audiences;

/// <summary>
/// The segments page: the tenant's segments with their counts, and an editor that shows the filter's error (with its
/// column) at once and the number of matching contacts a moment after typing stops; a count asked for a filter that was
/// typed over since is cancelled and never shown.
/// </summary>
public partial class Segments
{
    /// <summary>How long typing must pause before the filter is counted.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(400);

    internal static readonly (string Example, string Meaning)[] HelpRows =
    [
        ("tag \"vip\"", "has the tag"),
        ("in list \"Newsletter\"   list 12", "is a member of the list (by name or id)"),
        ("subscribed sms   unsubscribed email", "has an address for the channel that is not (or is) on the opt-out list"),
        ("has phone   has email   has name   has attributes.city", "has the field or attribute"),
        ("name contains \"li\"   email = \"a@example.com\"   phone != \"138 0013 8000\"", "compares the name, email or phone number"),
        ("city = \"Shanghai\"   attributes.age >= 30   attributes.vip = true   attributes.\"first name\" contains \"Li\"", "compares an attribute (numbers with numbers, text with text)"),
        ("created after 2026-01-01   created before 2026-06-01   created in 30 days", "when the contact was added (UTC dates)"),
        ("received marketing sms in 7 days   received email in 30 days", "was sent a message in the last days (not failed or refused)"),
    ];

    [Inject] private IStringLocalizer<Ui> L { get; set; } = default!;
    [Inject] private ServiceRunner Services { get; set; } = default!;
    [Inject] private CallerState CallerState { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private TimeProvider Clock { get; set; } = default!;

    private IReadOnlyList<SegmentView> _segments = [];
    private bool _canManage;
    /// <summary>The first list has been read (until then the table says it is busy).</summary>
    private bool _loaded;
    private Segment? _editing;
    private string? _name;
    private string? _filter;
    private string? _filterError;
    private int? _liveCount;
    private bool _counting;
    private CancellationTokenSource? _pending;

    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        var caller = await CallerState.GetAsync();
        _canManage = caller.ManagesAudience;
        var result = await Services.RunAsync<SegmentService, Result<IReadOnlyList<SegmentView>>>(s => s.ListAsync(caller, CancellationToken.None));
        _segments = result.Value ?? [];
        _loaded = true;
    }

    /// <summary>Shows a parse error at once; counts a good filter after <see cref="Debounce"/>, unless typing went on.</summary>
    private async Task OnFilterChangedAsync(string? value)
    {
        _filter = value;
        _pending?.Cancel();
        _pending = null;
        _liveCount = null;
        _counting = false;
        _filterError = null;
        if (string.IsNullOrWhiteSpace(value)) return;
        if (!SegmentFilter.TryParse(value, out _, out var error))
        {
            _filterError = L.Error(error!.Error);
            return;
        }
        var pending = new CancellationTokenSource();
        _pending = pending;
        _counting = true;
        try
        {
            await Task.Delay(Debounce, Clock, pending.Token);
            var caller = await CallerState.GetAsync();
            var result = await Services.RunAsync<SegmentService, Result<int>>(s => s.CountAsync(value, caller, pending.Token));
            if (pending.IsCancellationRequested) return;
            _counting = false;
            if (result.IsOk) _liveCount = result.Value;
            else _filterError = L.Error(result.Error!);
        }
        catch (OperationCanceledException)
        {
            // Typed over: the newer filter's count (or error) is the one to show.
        }
        finally
        {
            // Forget it before disposing it: a later edit, save or leaving the page cancels _pending, and cancelling a
            // disposed source throws (which ended the circuit after every count that finished).
            if (ReferenceEquals(_pending, pending)) _pending = null;
            pending.Dispose();
        }
    }

    private async Task SaveAsync()
    {
        var caller = await CallerState.GetAsync();
        var (name, filter, editing) = (_name, _filter, _editing);
        var result = editing is null
            ? await Services.RunAsync<SegmentService, Result<SegmentView>>(s => s.CreateAsync(name, filter, caller, CancellationToken.None))
            : await Services.RunAsync<SegmentService, Result<SegmentView>>(s => s.UpdateAsync(editing.Id, name, filter, caller, CancellationToken.None));
        if (!result.IsOk)
        {
            Snackbar.Add(L.Error(result.Error!), Severity.Warning);
            return;
        }
        Snackbar.Add(L["Saved."], Severity.Success);
        ClearEditor();
        await LoadAsync();
    }

    private async Task EditAsync(SegmentView segment)
    {
        _editing = segment.Segment;
        _name = segment.Segment.Name;
        await OnFilterChangedAsync(segment.Segment.Filter);
    }

    private void ClearEditor()
    {
        _pending?.Cancel();
        _pending = null;
        (_editing, _name, _filter, _filterError, _liveCount, _counting) = (null, null, null, null, null, false);
    }

    private async Task DeleteAsync(SegmentView segment)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(L["Delete segment"], string.Format(L["Delete the segment {0}? Its contacts stay."], segment.Segment.Name), L["Delete"], cancelText: L["Cancel"]);
        if (confirmed != true) return;
        var caller = await CallerState.GetAsync();
        var result = await Services.RunAsync<SegmentService, Result<bool>>(s => s.DeleteAsync(segment.Segment.Id, caller, CancellationToken.None));
        Snackbar.Add(result.IsOk ? L["Deleted."] : L.Error(result.Error!), result.IsOk ? Severity.Success : Severity.Warning);
        if (_editing?.Id == segment.Segment.Id) ClearEditor();
        await LoadAsync();
    }

    public void Dispose()
    {
        _pending?.Cancel();
        GC.SuppressFinalize(this);
    }
}
