namespace CommsConsole.Features.Common;

/// <summary>One page of a list and where it sits in the whole.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, int Total)
{
    public int TotalPages => PageSize == 0 ? 0 : (Total + PageSize - 1) / PageSize;
    public bool HasNext => PageNumber < TotalPages;
    public bool HasPrev => PageNumber > 1;
}
