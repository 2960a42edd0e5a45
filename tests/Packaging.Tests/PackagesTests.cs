using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Testing;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.Tests;

/// <summary>
/// What a user of the packages does: packs the libraries and the kgrains tool into a folder feed, builds
/// samples/DeviceReadings from that feed alone (copied away from the repository, so no project of it can leak in),
/// runs its silo on kinesalite and dynalite, puts readings and compares the devices' aggregates with the readings put;
/// then installs kgrains from the feed as a .NET tool and runs it.
/// </summary>
public sealed class PackagesTests(ITestOutputHelper output)
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(8);
    private const int Devices = 8;
    private const int ReadingsCount = 400;

    [Fact]
    public async Task The_sample_built_from_the_packages_aggregates_the_readings_and_the_tool_installs()
    {
        using var work = new TempDirectory("kgrains-packaging");
        var feed = Path.Combine(work.Path, "artifacts", "packages");
        var clock = Stopwatch.StartNew();

        // 1. Pack, as the README says (Release; the solution build before the tests makes this mostly a pack).
        var pack = await Dotnet(RepositoryPaths.Root, BuildTimeout, "pack", Path.Combine(RepositoryPaths.Root, "KinesisGrains.Packages.slnf"), "-c", "Release", "-o", feed, "-nologo", "-v", "q");
        Assert.True(pack.ExitCode == 0, "dotnet pack failed:\n" + pack.Output);
        var version = PackedVersion(feed);
        Log($"packed {version} in {clock.Elapsed.TotalSeconds:F1} s");

        // 2. The sample, alone in a folder of its own with the samples' nuget.config, which points at ../artifacts/packages.
        var samples = Path.Combine(work.Path, "samples");
        CopySample(Path.Combine(RepositoryPaths.Root, "samples"), samples);
        var project = Path.Combine(samples, "DeviceReadings");
        var lap = clock.Elapsed;
        var build = await Dotnet(project, BuildTimeout, "build", "-c", "Release", "-nologo", "-v", "q",
            $"-p:KinesisGrainsVersion={version}",
            // A packages folder of its own: our packages come from this feed, never from an earlier run's cache.
            $"-p:RestorePackagesPath={Path.Combine(work.Path, "nuget-packages")}");
        Assert.True(build.ExitCode == 0, "the sample did not build from the packages:\n" + build.Output);
        Assert.DoesNotContain(RepositoryPaths.Root, File.ReadAllText(Path.Combine(project, "obj", "project.assets.json")));
        Log($"sample restored and built in {(clock.Elapsed - lap).TotalSeconds:F1} s");

        // 3. The sample's silo on the emulators, fed readings through Kinesis.
        lap = clock.Elapsed;
        using var emulators = EmulatorEnvironment.Start("kinesalite", "dynalite");
        using var kinesis = new KinesisClient(new KinesisClientOptions { ServiceUrl = emulators.Kinesis, AccessKeyId = "local", SecretAccessKey = "local" });
        var stream = "readings-" + Guid.NewGuid().ToString("N")[..8];
        await kinesis.CreateStreamAsync(stream, 2);
        await kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));

        var dll = Path.Combine(project, "bin", "Release", "net10.0", "DeviceReadings.dll");
        var gatewayPort = FreePort();
        var environment = new Dictionary<string, string>
        {
            ["Stream"] = stream,
            ["Partitions"] = "4",
            ["Kinesis__ServiceUrl"] = emulators.Kinesis.ToString(),
            ["DynamoDB__ServiceUrl"] = emulators.DynamoDB.ToString(),
            ["DataDirectory"] = Path.Combine(work.Path, "data"),
            ["SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["AWS_ACCESS_KEY_ID"] = "local",
            ["AWS_SECRET_ACCESS_KEY"] = "local",
        };
        using var silo = ProcessRunner.Start("dotnet", [dll], project, environment);
        await silo.WaitForOutputAsync("DeviceReadings silo started", TimeSpan.FromSeconds(60));

        var truth = await PutReadingsAsync(kinesis, stream);
        var devices = truth.Keys.Order(StringComparer.Ordinal).ToArray();
        Dictionary<string, JsonElement> answers = [];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        do
        {
            var query = await ProcessRunner.RunAsync("dotnet", [dll, "query", .. devices], project, TimeSpan.FromSeconds(60), environment);
            Assert.True(query.ExitCode == 0, "the sample's query failed:\n" + query.Output + "\nsilo:\n" + silo.Output);
            answers = query.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(line => line.StartsWith('{'))
                .Select(line => JsonDocument.Parse(line).RootElement.Clone())
                .ToDictionary(e => e.GetProperty("DeviceId").GetString()!);
            if (devices.All(d => answers.TryGetValue(d, out var a) && a.GetProperty("Count").GetInt64() >= truth[d].Count))
            {
                break;
            }

            await Task.Delay(500);
        }
        while (DateTime.UtcNow < deadline);

        foreach (var device in devices)
        {
            var expected = truth[device];
            Assert.True(answers.TryGetValue(device, out var answer), $"{device}: no answer\nsilo:\n{silo.Output}");
            Assert.Equal(expected.Count, answer.GetProperty("Count").GetInt64());
            // Quarter degrees: sums of them are exact in a double, whatever the order they were added in.
            Assert.Equal(expected.Sum, answer.GetProperty("Sum").GetDouble());
            Assert.Equal(expected.Min, answer.GetProperty("Min").GetDouble());
            Assert.Equal(expected.Max, answer.GetProperty("Max").GetDouble());
        }

        Assert.Equal(ReadingsCount, answers.Values.Sum(a => a.GetProperty("Count").GetInt64()));
        Log($"sample silo started, {ReadingsCount} readings put and aggregated in {(clock.Elapsed - lap).TotalSeconds:F1} s");

        // 4. The tool, from the same feed.
        lap = clock.Elapsed;
        var tools = Path.Combine(work.Path, "tools");
        var install = await Dotnet(work.Path, BuildTimeout, "tool", "install", "--tool-path", tools, "--add-source", feed, "--version", version, "kgrains");
        Assert.True(install.ExitCode == 0, "dotnet tool install failed:\n" + install.Output);
        var help = await ProcessRunner.RunAsync(Path.Combine(tools, "kgrains"), ["--help"], work.Path, TimeSpan.FromSeconds(60));
        Assert.True(help.ExitCode == 0, "kgrains --help failed:\n" + help.Output);
        Assert.Contains("create-stream", help.Output);
        Assert.Contains("produce", help.Output);
        Log($"kgrains installed and run in {(clock.Elapsed - lap).TotalSeconds:F1} s; whole test {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>The README's "Use it in your own silo" shows the sample's real silo code, not a copy that drifted.</summary>
    [Fact]
    public void The_README_shows_the_samples_silo_code()
    {
        var program = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "DeviceReadings", "Program.cs"));
        var start = program.IndexOf("// <silo>", StringComparison.Ordinal);
        var end = program.IndexOf("// </silo>", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "Program.cs lost its // <silo> ... // </silo> markers");
        var silo = program[(start + "// <silo>".Length)..end].Trim();

        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        Assert.Contains("## Use it in your own silo", readme);
        Assert.Contains(silo, readme);
    }

    private async Task<Dictionary<string, Stats>> PutReadingsAsync(KinesisClient kinesis, string stream)
    {
        var random = new Random(17);
        var truth = new Dictionary<string, Stats>();
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var entries = new List<PutRecordsRequestEntry>();
        for (var i = 0; i < ReadingsCount; i++)
        {
            var device = $"device-{random.Next(Devices)}";
            var temperature = random.Next(-80, 160) / 4.0;
            var json = JsonSerializer.Serialize(new { deviceId = device, temperature, timestamp = start.AddSeconds(i) });
            entries.Add(new PutRecordsRequestEntry(Encoding.UTF8.GetBytes(json), device));
            var stats = truth.TryGetValue(device, out var s) ? s : new Stats(0, 0, double.MaxValue, double.MinValue);
            truth[device] = new Stats(stats.Count + 1, stats.Sum + temperature, Math.Min(stats.Min, temperature), Math.Max(stats.Max, temperature));
        }

        foreach (var chunk in entries.Chunk(100))
        {
            var response = await kinesis.PutRecordsAsync(stream, chunk);
            Assert.Equal(0, response.FailedRecordCount);
        }

        return truth;
    }

    private static string PackedVersion(string feed)
    {
        string[] ids =
        [
            "KinesisGrains.Abstractions", "KinesisGrains.DynamoDB", "KinesisGrains.Kinesis.Client", "KinesisGrains.Streaming.Kinesis",
            "KinesisGrains.KeyedState", "KinesisGrains.Sinks", "KinesisGrains.Clustering.DynamoDB", "KinesisGrains.Persistence.DynamoDB", "kgrains",
        ];
        var versions = ids.Select(id =>
        {
            var package = Directory.GetFiles(feed, id + ".*.nupkg").SingleOrDefault(f => char.IsDigit(Path.GetFileName(f)[(id.Length + 1)..][0]));
            Assert.True(package is not null, $"{id} was not packed: {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}");
            Assert.True(File.Exists(Path.ChangeExtension(package, ".snupkg")), $"{id} has no symbols package");
            return Path.GetFileNameWithoutExtension(package)[(id.Length + 1)..];
        }).Distinct().ToList();

        // One version for all (MinVer, from git tags; 0.1.0-preview.0.<height> without a tag).
        return Assert.Single(versions);
    }

    private static void CopySample(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var file in Directory.GetFiles(Path.Combine(from, "DeviceReadings")))
        {
            Directory.CreateDirectory(Path.Combine(to, "DeviceReadings"));
            File.Copy(file, Path.Combine(to, "DeviceReadings", Path.GetFileName(file)));
        }
    }

    private static Task<(int ExitCode, string Output)> Dotnet(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", arguments, workingDirectory, timeout);

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Log(string message) => output.WriteLine(message);

    private sealed record Stats(long Count, double Sum, double Min, double Max);
}
