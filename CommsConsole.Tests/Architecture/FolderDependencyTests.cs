using System.Text.RegularExpressions;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Architecture;

/// <summary>
/// Which folder of the app uses which (a file in one naming another's namespace), read from the source. The kernel uses
/// nothing, and no pair of folders may come to depend on each other beyond the pairs still being untangled.
/// </summary>
public sealed partial class FolderDependencyTests
{
    [GeneratedRegex(@"\bCommsConsole\.(?<top>Data|Components)\b|(?:\bCommsConsole\.|(?<![\w.]))Features\.(?<feature>[A-Z]\w*)")]
    private static partial Regex NamespaceReference();

    /// <summary>
    /// Pairs that still import each other; the README's layout section says how they are to be untangled (the message
    /// ledger moving out of Data, the send pipeline and the marketing gate). Remove a pair when it is gone; never add one.
    /// </summary>
    private static readonly HashSet<(string, string)> KnownLoops =
    [
        ("Features/Dispatch", "Features/Messaging"),
    ];

    internal static Dictionary<string, SortedSet<string>> Graph()
    {
        var edges = new Dictionary<string, SortedSet<string>>();
        foreach (var file in SourceTree.AppFiles(".cs", ".razor"))
        {
            var parts = Path.GetRelativePath(Path.Combine(SourceTree.Root, "CommsConsole"), file).Split(Path.DirectorySeparatorChar);
            var from = parts[0] switch
            {
                "Features" when parts.Length > 2 => "Features/" + parts[1],
                "Data" or "Components" => parts[0],
                _ => null,
            };
            if (from is null) continue;
            foreach (Match m in NamespaceReference().Matches(File.ReadAllText(file)))
            {
                var to = m.Groups["feature"].Success ? "Features/" + m.Groups["feature"].Value : m.Groups["top"].Value;
                if (to == from) continue;
                if (!edges.TryGetValue(from, out var set)) edges[from] = set = new SortedSet<string>(StringComparer.Ordinal);
                set.Add(to);
            }
        }
        return edges;
    }

    [Fact]
    public void TheKernel_UsesNoOtherFolder()
    {
        var graph = Graph();
        Assert.True(graph.ContainsKey("Features/Messaging"), "the source tree was not found or not read");
        Assert.Empty(graph.GetValueOrDefault("Features/Common") ?? []);
    }

    [Fact]
    public void NoNewPairOfFolders_DependsOnEachOther()
    {
        var graph = Graph();
        var loops = graph.SelectMany(e => e.Value.Where(to => graph.GetValueOrDefault(to)?.Contains(e.Key) == true)
                .Select(to => string.CompareOrdinal(e.Key, to) < 0 ? (e.Key, to) : (to, e.Key)))
            .ToHashSet();

        var added = loops.Except(KnownLoops).Select(p => $"{p.Item1} <-> {p.Item2}").ToList();
        Assert.True(added.Count == 0, "folders that now import each other: " + string.Join(", ", added));
        var gone = KnownLoops.Except(loops).Select(p => $"{p.Item1} <-> {p.Item2}").ToList();
        Assert.True(gone.Count == 0, "no longer a loop, take it off KnownLoops: " + string.Join(", ", gone));
    }
}
