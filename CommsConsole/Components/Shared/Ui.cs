namespace CommsConsole.Components.Shared;

/// <summary>
/// The console's strings. Keys are the English text, so English needs no resource file; other languages
/// (zh-CN) come from Resources/Components/Shared/Ui.*.resx.
/// </summary>
public sealed class Ui;
