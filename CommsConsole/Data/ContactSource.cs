namespace CommsConsole.Data;

/// <summary>Where a contact first came from.</summary>
public enum ContactSource { Console, Api, Import, UnsubscribePage }
