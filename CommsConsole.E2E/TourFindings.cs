namespace CommsConsole.E2E;

/// <summary>What the tour saw, for the tests to judge.</summary>
/// <param name="English">Per page (or opened dialog), the English words its Chinese version shows.</param>
/// <param name="WideAtPhone">Pages wider than a 390 px phone screen, with their width.</param>
/// <param name="UnscrollableGrids">Pages whose grid is wider than its box at phone width and does not scroll inside it.</param>
/// <param name="OutOfReach">Text and controls a phone shows past the left or right edge of its screen, where no one can reach them.</param>
/// <param name="TallHeaders">Column headers of the Chinese pages at 1,440 px that take more than two lines.</param>
/// <param name="WideGrids">Grids that scroll sideways at 1,440 px (headers kept on one line must not push them out).</param>
/// <param name="Screenshots">The files written.</param>
public sealed record TourFindings(
    IReadOnlyDictionary<string, SortedSet<string>> English,
    IReadOnlyList<string> WideAtPhone,
    IReadOnlyList<string> UnscrollableGrids,
    IReadOnlyList<string> OutOfReach,
    IReadOnlyList<string> TallHeaders,
    IReadOnlyList<string> WideGrids,
    IReadOnlyList<string> Screenshots);
