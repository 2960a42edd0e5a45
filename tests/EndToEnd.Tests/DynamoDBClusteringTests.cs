using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using KinesisGrains.Client;
using KinesisGrains.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>Silos started as the executable starts them, with <c>Silo:Clustering=DynamoDB</c>.</summary>
public sealed class DynamoDBClusteringTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task Two_silos_form_one_cluster_through_the_membership_table_and_a_client_finds_them_there()
    {
        using var dataA = new TempDirectory();
        using var dataB = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var truth = await cluster.ProduceAsync(stream, records: 1_000, keys: 40);
        var table = "silos-" + stream;
        var clusterId = "cluster-" + stream;
        (string, string)[] clustering = [("Silo:Clustering", "DynamoDB"), ("Silo:MembershipTableName", table), ("Silo:ClusterId", clusterId)];
        var settingsA = cluster.WithSnapshots(cluster.SiloSettings("app-" + stream, stream, dataA.Path, [.. clustering, ("Silo:SiloId", "silo-a")]));
        var settingsB = cluster.WithSnapshots(cluster.SiloSettings("app-" + stream, stream, dataB.Path, [.. clustering, ("Silo:SiloId", "silo-b")]));

        await using var siloA = await LocalCluster.StartSiloAsync(settingsA);
        await using var siloB = await LocalCluster.StartSiloAsync(settingsB);

        // One cluster of two, each silo in the table under its lease owner name.
        var oracle = siloA.Services.GetRequiredService<ISiloStatusOracle>();
        await WaitUntilAsync(() => Task.FromResult(oracle.GetApproximateSiloStatuses(onlyActive: true).Count == 2));
        using var dynamo = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = cluster.Emulators.DynamoDB.ToString() });
        var items = (await dynamo.QueryAsync(new QueryRequest
        {
            TableName = table,
            KeyConditionExpression = "DeploymentId = :c",
            ExpressionAttributeValues = new() { [":c"] = new AttributeValue(clusterId) },
            ConsistentRead = true,
        })).Items.Where(i => i["SiloIdentity"].S != "VersionRow").ToList();
        Assert.Equal(["silo-a", "silo-b"], items.Select(i => i["SiloName"].S).Order());
        Assert.All(items, i => Assert.Equal("127.0.0.1", i["Address"].S));
        Assert.Equal(new[] { siloA.GatewayPort, siloB.GatewayPort }.Order(), items.Select(i => int.Parse(i["ProxyPort"].N)).Order());

        // A client that knows only the table reads every user's total from the grains, wherever they live.
        await using var client = await ClusterConnection.ConnectDynamoDBAsync(cluster.Emulators.DynamoDB.ToString(), table, clusterId);
        List<string> mismatches = [];
        await WaitUntilAsync(async () => (mismatches = await truth.VerifyAsync(client.Client, CancellationToken.None)).Count == 0, () => string.Join("; ", mismatches.Take(5)));
    }

    [Fact]
    public async Task A_silo_process_killed_with_SIGKILL_is_declared_dead_by_the_others_and_kgrains_still_answers_through_the_table()
    {
        var stream = await cluster.CreateStreamAsync(shards: 2);
        await cluster.ProduceAsync(stream, records: 200, keys: 10);
        var table = "silos-" + stream;
        var clusterId = "cluster-" + stream;
        var folders = Enumerable.Range(1, 3).Select(_ => new TempDirectory()).ToList();
        var silos = new List<(string Id, System.Diagnostics.Process Process, System.Text.StringBuilder Output)>();
        using var dynamo = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = cluster.Emulators.DynamoDB.ToString() });
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                var settings = cluster.WithSnapshots(cluster.SiloSettings(
                    "app-" + stream, stream, folders[i - 1].Path,
                    ("Silo:Clustering", "DynamoDB"), ("Silo:MembershipTableName", table), ("Silo:ClusterId", clusterId), ("Silo:SiloId", $"silo-{i}")));
                var process = ProcessRunner.Start("KinesisGrains.Silo.dll", settings.Select(pair => $"--{pair.Key}={pair.Value}"));
                var output = new System.Text.StringBuilder();
                process.OutputDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
                process.ErrorDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                silos.Add(($"silo-{i}", process, output));
            }

            string Output() => string.Join(Environment.NewLine, silos.Select(s => { lock (s.Output) { return $"{s.Id}: {s.Output}"; } }));
            await WaitUntilAsync(async () => (await StatusesAsync(dynamo, table, clusterId)).Count(e => e.Value == SiloStatus.Active) == 3, Output);

            var (victimId, victim, _) = silos[2];
            var killed = System.Diagnostics.Stopwatch.StartNew();
            victim.Kill();
            await WaitUntilAsync(async () => (await StatusesAsync(dynamo, table, clusterId))[victimId] == SiloStatus.Dead, Output);
            var declaredDead = killed.Elapsed;

            var (exitCode, stdout, stderr) = await ProcessRunner.RunAsync(
                "kgrains.dll",
                ["query", "--dynamodb-url", cluster.Emulators.DynamoDB.ToString(), "--membership-table", table, "--cluster-id", clusterId, "--json", "user-000001"],
                TimeSpan.FromSeconds(120));

            Assert.True(exitCode == 0, $"kgrains query exited {exitCode}: {stderr}");
            using var summaries = System.Text.Json.JsonDocument.Parse(stdout);
            Assert.Equal("user-000001", Assert.Single(summaries.RootElement.EnumerateArray()).GetProperty("userId").GetString());
            Assert.True(declaredDead < TimeSpan.FromSeconds(60), $"declared dead after {declaredDead}");
            Console.WriteLine($"A SIGKILLed silo was declared dead in the DynamoDB membership table after {declaredDead.TotalSeconds:F1} s.");
        }
        finally
        {
            foreach (var (_, process, _) in silos)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.WaitForExit(10_000);
                process.Dispose();
            }

            folders.ForEach(f => f.Dispose());
        }
    }

    private static async Task<Dictionary<string, SiloStatus>> StatusesAsync(IAmazonDynamoDB dynamo, string table, string clusterId)
    {
        try
        {
            var items = (await dynamo.QueryAsync(new QueryRequest
            {
                TableName = table,
                KeyConditionExpression = "DeploymentId = :c",
                ExpressionAttributeValues = new() { [":c"] = new AttributeValue(clusterId) },
                ConsistentRead = true,
            })).Items;

            // A silo restarted in the same process would have two entries: the newest (highest generation) speaks for it.
            return items.Where(i => i["SiloIdentity"].S != "VersionRow" && i.ContainsKey("SiloName"))
                .GroupBy(i => i["SiloName"].S)
                .ToDictionary(g => g.Key, g => (SiloStatus)int.Parse(g.MaxBy(i => long.Parse(i["Generation"].N))!["SiloStatus"].N));
        }
        catch (ResourceNotFoundException)
        {
            return [];
        }
    }

    [Fact]
    public async Task A_membership_table_that_is_not_one_stops_the_silo_with_one_sentence()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);

        // The lease table of the application: a DynamoDB table with another key schema.
        var settings = cluster.WithSnapshots(cluster.SiloSettings(
            "app-" + stream, stream, data.Path, ("Silo:Clustering", "DynamoDB"), ("Silo:MembershipTableName", "app-" + stream)));

        var error = await Assert.ThrowsAsync<Silo.Hosting.SiloStartupException>(() => LocalCluster.StartSiloAsync(settings));

        Assert.Equal(Silo.Hosting.SiloStartupException.DependencyUnavailable, error.ExitCode);
        Assert.Contains($"membership table 'app-{stream}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("DeploymentId HASH", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_pointed_at_a_missing_membership_table_fails_with_the_table_named()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            ClusterConnection.ConnectDynamoDBAsync(cluster.Emulators.DynamoDB.ToString(), "no-such-silos", "nobody"));

        Assert.Contains("DynamoDB table 'no-such-silos'", Flatten(error), StringComparison.Ordinal);
    }

    private static string Flatten(Exception error)
    {
        var messages = new List<string>();
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        return string.Join(" | ", messages);
    }

    // Generous: the machine is shared and loaded.
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Not reached within 120 s. " + state?.Invoke());
            await Task.Delay(250);
        }
    }
}
