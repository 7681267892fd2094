namespace CommsConsole.Components.Shared;

/// <summary>MudBlazor's own strings (pager, pickers, close buttons, grid menus), keyed as MudBlazor names them: Resources/Components/Shared/MudText.*.resx.</summary>
public sealed class MudText;
