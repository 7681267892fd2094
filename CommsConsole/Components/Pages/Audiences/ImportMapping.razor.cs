using CommsConsole.Features.Audiences;
using CommsConsole.Features.Audiences.Import;
using Microsoft.AspNetCore.Components;

namespace CommsConsole.Components.Pages.Audiences;

public enum ColumnUse { Ignore, Phone, Email, Name, Attribute }

public partial class ImportMapping
{
    [Parameter, EditorRequired] public IReadOnlyList<string> Columns { get; set; } = [];
    [Parameter] public IReadOnlyList<ContactListView> Lists { get; set; } = [];
    [Parameter] public bool Busy { get; set; }
    [Parameter] public EventCallback<ContactImportMapping> OnStart { get; set; }
    [Parameter] public EventCallback OnCancel { get; set; }

    private sealed class Choice(string column)
    {
        public string Column { get; } = column;
        public ColumnUse Use { get; set; }
        public string? Attribute { get; set; }
    }

    private List<Choice> _choices = [];
    private IReadOnlyList<string>? _seen;
    private string? _tags;
    private long? _listId;
    private bool _stated;

    private bool HasAddress => _choices.Any(c => c.Use is ColumnUse.Phone or ColumnUse.Email);

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(_seen, Columns)) return;
        _seen = Columns;
        _choices = Columns.Select(c => new Choice(c)).ToList();
        // A first guess from the header's words, in English or Chinese; every column can be changed.
        foreach (var choice in _choices)
        {
            var use = Guess(choice.Column);
            if (use is not ColumnUse.Attribute and not ColumnUse.Ignore && _choices.Any(c => c.Use == use)) use = ColumnUse.Attribute;
            choice.Use = use;
            if (use == ColumnUse.Attribute) choice.Attribute = AttributeName(choice.Column);
        }
    }

    private static ColumnUse Guess(string column)
    {
        var c = column.Trim().ToLowerInvariant().Replace("-", "").Replace("_", "").Replace(" ", "");
        if (c.Length == 0) return ColumnUse.Ignore;
        if (c is "phone" or "mobile" or "phonenumber" or "mobilephone" or "cell" or "tel" or "手机" or "手机号" or "电话" or "手机号码") return ColumnUse.Phone;
        if (c is "email" or "mail" or "emailaddress" or "邮箱" or "电子邮件" or "邮件") return ColumnUse.Email;
        if (c is "name" or "fullname" or "姓名" or "名字") return ColumnUse.Name;
        return ColumnUse.Attribute;
    }

    private static string AttributeName(string column)
    {
        var name = column.Trim().ToLowerInvariant().Replace(' ', '_');
        return name.Length > ContactAttributes.MaxKey ? name[..ContactAttributes.MaxKey] : name;
    }

    /// <summary>A column chosen for the phone, email or name takes that role from any other column.</summary>
    private void Choose(Choice choice, ColumnUse use)
    {
        if (use is ColumnUse.Phone or ColumnUse.Email or ColumnUse.Name)
        {
            foreach (var other in _choices.Where(c => c != choice && c.Use == use)) other.Use = ColumnUse.Ignore;
        }
        choice.Use = use;
        if (use == ColumnUse.Attribute && string.IsNullOrWhiteSpace(choice.Attribute)) choice.Attribute = AttributeName(choice.Column);
    }

    private Task StartAsync()
    {
        string? Column(ColumnUse use) => _choices.FirstOrDefault(c => c.Use == use)?.Column;
        var mapping = new ContactImportMapping
        {
            Phone = Column(ColumnUse.Phone),
            Email = Column(ColumnUse.Email),
            Name = Column(ColumnUse.Name),
            Attributes = _choices.Where(c => c.Use == ColumnUse.Attribute).ToDictionary(c => c.Column, c => c.Attribute ?? ""),
            Tags = (_tags ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
            ListId = _listId,
            Consent = _stated ? "stated" : "unchanged",
        };
        return OnStart.InvokeAsync(mapping);
    }
}
