using System.Diagnostics;
using System.Text.Json;
using KinesisGrains.Testing;

namespace KinesisGrains.Tests.Kpl;

/// <summary>Runs kpl-aggregate.js: aggregates made by the npm package aws-kinesis-agg 4.2.8 (tools/emulators).</summary>
internal static class NodeKplAggregator
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static async Task<IReadOnlyList<NodeAggregate>> AggregateAsync(IReadOnlyList<IReadOnlyList<AggregateEntry>> groups)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Kpl", "kpl-aggregate.js");
        var modules = Path.Combine(RepositoryPaths.Root, "tools", "emulators", "node_modules");
        var startInfo = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(script);
        startInfo.ArgumentList.Add(modules);

        var input = groups.Select(g => g.Select(r => new NodeUserRecord(r.PartitionKey, r.ExplicitHashKey, Convert.ToBase64String(r.Data))));
        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(input, s_json));
        process.StandardInput.Close();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {script} exited with {process.ExitCode}:\n{await stderr}");
        }

        return JsonSerializer.Deserialize<List<NodeAggregate>>(await stdout, s_json)!;
    }

    private sealed record NodeUserRecord(string PartitionKey, string? ExplicitHashKey, string Data);
}

internal sealed record NodeAggregate(string PartitionKey, string? ExplicitHashKey, string Data)
{
    public byte[] Bytes => Convert.FromBase64String(Data);
}
