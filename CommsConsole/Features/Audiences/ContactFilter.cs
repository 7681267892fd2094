namespace CommsConsole.Features.Audiences;

/// <summary>Which contacts a page shows: a search over name, phone and email, a tag, a list, a segment.</summary>
public sealed record ContactFilter(string? Search = null, string? Tag = null, long? ListId = null, int Page = 1, int PageSize = PageSizes.Default, long? SegmentId = null);
