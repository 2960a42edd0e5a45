namespace KinesisGrains.Silo.Configuration;

/// <summary>The known name a mistyped one most likely meant, to suggest it in an error message.</summary>
internal static class ClosestName
{
    /// <summary>The candidate fewest edits away (case ignored), or null when none is close enough to be a typo.</summary>
    public static string? Find(string name, IEnumerable<string> candidates)
    {
        // About one edit per three characters: catches a missing 's' or a swapped pair, not an unrelated name.
        var allowed = Math.Max(1, name.Length / 3);
        return candidates
            .Select(candidate => (candidate, distance: Distance(name, candidate)))
            .Where(c => c.distance <= allowed)
            .OrderBy(c => c.distance)
            .ThenBy(c => c.candidate, StringComparer.Ordinal)
            .Select(c => c.candidate)
            .FirstOrDefault();
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps count one each.</summary>
    private static int Distance(string a, string b)
    {
        a = a.ToUpperInvariant();
        b = b.ToUpperInvariant();
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
