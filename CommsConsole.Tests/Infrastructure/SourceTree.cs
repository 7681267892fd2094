namespace CommsConsole.Tests.Infrastructure;

/// <summary>The repository's source files, for tests that read the code itself (translations, folder dependencies).</summary>
public static class SourceTree
{
    public static string Root { get; } = FindRoot();

    /// <summary>The app's own source files of the given extensions, without build output and generated migrations.</summary>
    public static IEnumerable<string> AppFiles(params string[] extensions) =>
        Directory.EnumerateFiles(Path.Combine(Root, "CommsConsole"), "*", SearchOption.AllDirectories)
            .Where(f => extensions.Contains(Path.GetExtension(f)))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CommsConsole.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("repository root not found");
    }
}
