using KinesisGrains.Grains.EventsPerMinute;
using KinesisGrains.Grains.Sessions;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// The README's world on free ports: kinesalite and dynalite (LocalCluster), and an Orleans silo in this process that
/// consumes the stream <c>clickstream</c> with its membership in dynalite, started on first use (after the README's create-stream, when it runs first).
/// </summary>
public sealed class CliCluster : LocalCluster, IAsyncLifetime
{
    public const string Stream = "clickstream";

    /// <summary>The silo's application (Silo:ApplicationName).</summary>
    public const string Application = "kgrains-readme";

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly TempDirectory _data = new("kgrains-cli-silo");
    private SiloInstance? _silo;

    /// <summary>Where the commands run: the README's relative paths (truth.json) land here.</summary>
    public TempDirectory WorkingDirectory { get; } = new("kgrains-cli-cwd");

    public async Task<SiloInstance> SiloAsync()
    {
        await _lock.WaitAsync();
        try
        {
            if (_silo is null)
            {
                try
                {
                    await Kinesis.CreateStreamAsync(Stream, 4);
                }
                catch (KinesisResourceInUseException)
                {
                    // created by the README's create-stream line
                }

                await Kinesis.WaitForStreamActiveAsync(Stream, TimeSpan.FromSeconds(30));
                // DynamoDB membership (with the snapshots it needs), so both the README's --gateway lines and its --dynamodb-url line reach it.
                // With the demo silo's aggregations beside the user activity, for 'kgrains query sessions / per-minute'.
                _silo = await StartSiloAsync(
                    WithSnapshots(SiloSettings(Application, Stream, _data.Path, ("Silo:Clustering", "DynamoDB"))),
                    silo => silo.AddPartitionGrain<UserSessionsPartitionGrain>().AddPartitionGrain<EventsPerMinutePartitionGrain>());
            }

            return _silo;
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit disposes IAsyncLifetime before IDisposable: the silo stops while the emulators still run.
    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        _data.Dispose();
        WorkingDirectory.Dispose();
        _lock.Dispose();
    }
}
