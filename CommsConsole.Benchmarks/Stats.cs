namespace CommsConsole.Benchmarks;

public static class Stats
{
    public static double Median(IReadOnlyList<double> xs) => Percentile(xs, 50);

    /// <summary>Linear interpolation between closest ranks.</summary>
    public static double Percentile(IReadOnlyList<double> xs, double p)
    {
        if (xs.Count == 0) return double.NaN;
        var s = xs.OrderBy(x => x).ToArray();
        var rank = p / 100 * (s.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return s[lo] + (s[hi] - s[lo]) * (rank - lo);
    }

    public static string Spread(IReadOnlyList<double> xs, string format) =>
        xs.Count == 0 ? "–" : $"{xs.Min().ToString(format)}–{xs.Max().ToString(format)}";
}

/// <summary>One row of the report.</summary>
public sealed record Figure(string Number, string What, string Median, string Spread, string Runs, string Target, string Verdict, string Notes);
