namespace KinesisGrains.Benchmarks;

/// <summary>
/// Keeps bench/RESULTS.md as one table shared by every benchmark: rows are replaced by their measure, new ones
/// appended, and each benchmark keeps one "how to reproduce" line under the table.
/// </summary>
internal static class ResultsTable
{
    private const string Header = "| measure | ours | yardstick | ratio | measured on |";
    private const string Separator = "| --- | --- | --- | --- | --- |";
    private const string ReproduceHeading = "## Reproduce";

    private static readonly string[] s_template =
    [
        "# Benchmark results",
        "",
        "One table for all benchmarks. `ratio` is ours ÷ yardstick: above 1 means ours is higher (better for a rate,",
        "worse for allocations). Each row is written by the benchmark itself; the commands below reproduce them.",
        "",
        Header,
        Separator,
        "",
        ReproduceHeading,
        "",
    ];

    /// <param name="reproduce">A key such as "KPL rows" and the command; the line is "- key: `command`".</param>
    public static string Upsert(IReadOnlyList<ResultRow> rows, (string Key, string Command) reproduce)
    {
        var path = Path.Combine(RepositoryRoot.Path, "bench", "RESULTS.md");
        var lines = File.Exists(path) ? File.ReadAllLines(path).ToList() : [.. s_template];

        var header = lines.FindIndex(l => l.Trim() == Header);
        if (header < 0)
        {
            lines.AddRange(["", Header, Separator]);
            header = lines.Count - 2;
        }

        var end = header + 2;
        while (end < lines.Count && lines[end].StartsWith('|'))
        {
            end++;
        }

        foreach (var row in rows)
        {
            var existing = lines.FindIndex(header + 2, end - header - 2, l => MeasureOf(l) == row.Measure);
            if (existing >= 0)
            {
                lines[existing] = row.ToMarkdown();
            }
            else
            {
                lines.Insert(end++, row.ToMarkdown());
            }
        }

        var line = $"- {reproduce.Key}: `{reproduce.Command}`";
        var reproduceLine = lines.FindIndex(l => l.StartsWith($"- {reproduce.Key}:", StringComparison.Ordinal));
        if (reproduceLine >= 0)
        {
            lines[reproduceLine] = line;
        }
        else
        {
            var heading = lines.FindIndex(l => l.Trim() == ReproduceHeading);
            if (heading < 0)
            {
                lines.AddRange(["", ReproduceHeading, ""]);
                heading = lines.Count - 2;
            }

            var at = heading + 1;
            while (at < lines.Count && (lines[at].Length == 0 || lines[at].StartsWith("- ", StringComparison.Ordinal)))
            {
                at++;
            }

            // After the last "- " line of the section, before any trailing blank line.
            while (at > heading + 1 && lines[at - 1].Length == 0)
            {
                at--;
            }

            lines.Insert(at == heading + 1 ? heading + 1 : at, line);
            if (lines[heading + 1] == line)
            {
                lines.Insert(heading + 1, "");
            }
        }

        File.WriteAllText(path, string.Join('\n', lines).TrimEnd('\n') + "\n");
        return path;
    }

    private static string? MeasureOf(string line)
    {
        var cells = line.Split('|');
        return cells.Length > 2 ? cells[1].Trim() : null;
    }
}
