namespace CommsConsole.Features.Common;

/// <summary>How many items a page of any list holds: this many unless asked for fewer or more, and never more than the most.</summary>
public static class PageSizes
{
    public const int Default = 20;
    public const int Max = 100;
}
