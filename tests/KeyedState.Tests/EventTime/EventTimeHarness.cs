using KinesisGrains.Abstractions.DeadLetters;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.KeyedState;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Hosting;
using Orleans.TestingHost;
using Xunit;

namespace KinesisGrains.Tests.EventTime;

/// <summary>
/// One silo with the event-time test grains on real RocksDB stores (no bucket: the WAL makes barriers durable), sinks
/// recording what they commit, and dead letters in a local folder. Tests hand batches to partitions and call their
/// barriers directly, so every step is in order and nothing waits on a stream provider.
/// </summary>
public sealed class EventTimeHarness : IAsyncLifetime
{
    private static EventTimeHarness? s_current;
    private readonly TempDirectory _data = new();
    private readonly Dictionary<(string GrainClass, int Partition, string Shard), (ShardPosition? Last, DateTimeOffset? Watermark)> _shards = [];
    private readonly HashSet<(string GrainClass, int Partition)> _opened = [];
    private long _sequence = 1_000;

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public RecordingSink Tumbling { get; } = new("tumbling", SinkOutputKind.Emitted);

    public RecordingSink Sessions { get; } = new("sessions", SinkOutputKind.Emitted);

    public RecordingSink TimerLog { get; } = new("timer-log", SinkOutputKind.Emitted);

    public RecordingSink Expiring { get; } = new("expiring", SinkOutputKind.Changelog);

    public string DeadLetterFolder => Path.Combine(_data.Path, "dead-letters");

    /// <summary>Where partition <paramref name="partition"/> of state <paramref name="stateName"/> keeps its RocksDB (no bucket: the WAL).</summary>
    public string StoreDirectory(string stateName, int partition) => Path.Combine(_data.Path, "state", stateName, $"p-{partition:D5}");

    public async Task InitializeAsync()
    {
        s_current = this;
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        _data.Dispose();
    }

    /// <summary>Hands partition <paramref name="partition"/> of <typeparamref name="TGrain"/> one batch of <paramref name="shard"/>, right after the previous one.</summary>
    /// <remarks>The first batch to a partition comes after a barrier round naming its shard (<see cref="OpenAsync{TGrain}"/>), as a silo's rounds do.</remarks>
    public async Task<KeyedEventBatch<TestEvent>> SendAsync<TGrain>(int partition, string shard, IEnumerable<(string Key, long Value, DateTimeOffset Time)> events, DateTimeOffset? watermark, bool idle = false)
    {
        if (_opened.Add((typeof(TGrain).FullName!, partition)))
        {
            await OpenAsync<TGrain>(partition, shard);
        }

        var slot = (typeof(TGrain).FullName!, partition, shard);
        var (last, _) = _shards.GetValueOrDefault(slot);
        var keyed = events.Select(e => new KeyedEvent<TestEvent>(
            e.Key, new TestEvent(e.Key, e.Value), new StreamEventInfo(shard, Next(), e.Key, DateTimeOffset.UtcNow) { EventTime = e.Time })).ToArray();
        var to = keyed.Length > 0 ? keyed[^1].Info.Token : Next();
        _shards[slot] = (to, watermark);
        var batch = new KeyedEventBatch<TestEvent> { ShardId = shard, Partition = partition, From = last, To = to, Events = keyed, Watermark = watermark, ShardIdle = idle };
        await DeliverAgainAsync<TGrain>(batch);
        return batch;
    }

    /// <summary>Hands a partition a batch sent before (a replay from a checkpoint, as a receiver makes after a gap).</summary>
    public Task DeliverAgainAsync<TGrain>(KeyedEventBatch<TestEvent> batch) =>
        typeof(ITestWindowPartition).IsAssignableFrom(typeof(TGrain))
            ? Grains.GetGrain<ITestWindowPartition>(batch.Partition, typeof(TGrain).FullName).DeliverAsync(batch)
            : Grains.GetGrain<ITestPartition>(batch.Partition, typeof(TGrain).FullName).DeliverAsync(batch);

    /// <summary>
    /// A barrier round that only names <paramref name="shards"/> as open (read elsewhere): an activation's watermark
    /// moves only after a round has told it every open shard.
    /// </summary>
    public async Task OpenAsync<TGrain>(int partition, params string[] shards)
    {
        var checkpoint = Grains.GetGrain<IPartitionCheckpoint>(partition, typeof(TGrain).FullName);
        var persisted = await checkpoint.PersistAsync([.. shards.Select(s => new ShardBarrier(s, null, false, null, OpenElsewhere: true))]);
        Assert.Empty(persisted.Gaps);
        await checkpoint.AwaitDurableAsync(persisted.Epoch);
    }

    /// <summary>
    /// A barrier round in which <paramref name="shard"/> ends (at its last batch, with its last watermark) and
    /// <paramref name="named"/> are named as open, after it, as a silo's round lists them: each starting at the
    /// parent's last watermark, as the checkpointer names the children a SHARD_END reported.
    /// </summary>
    public async Task EndAsync<TGrain>(int partition, string shard, params string[] named)
    {
        var (last, watermark) = _shards[(typeof(TGrain).FullName!, partition, shard)];
        await EndAsync<TGrain>(partition, shard, last, last, watermark, named);
    }

    /// <summary>
    /// A barrier round in which <paramref name="shard"/>, which sent this partition nothing (its keys are all
    /// another partition's), ends at <paramref name="watermark"/> and names <paramref name="children"/> as
    /// <see cref="EndAsync{TGrain}(int, string, string[])"/> does: all this partition hears of it.
    /// </summary>
    public Task EndElsewhereAsync<TGrain>(int partition, string shard, DateTimeOffset watermark, params string[] children) =>
        EndAsync<TGrain>(partition, shard, Next(), null, watermark, children);

    private async Task EndAsync<TGrain>(int partition, string shard, ShardPosition? reached, ShardPosition? lastSent, DateTimeOffset? watermark, string[] named)
    {
        var checkpoint = Grains.GetGrain<IPartitionCheckpoint>(partition, typeof(TGrain).FullName);
        var persisted = await checkpoint.PersistAsync([
            new ShardBarrier(shard, reached, true, lastSent, watermark),
            .. named.Select(s => new ShardBarrier(s, null, false, null, watermark, OpenElsewhere: true)),
        ]);
        Assert.Empty(persisted.Gaps);
        await checkpoint.AwaitDurableAsync(persisted.Epoch);
    }

    /// <summary>A checkpoint barrier of every shard sent to the partition: durable, and its rows committed by the sinks.</summary>
    public async Task<PartitionDurableResult> BarrierAsync<TGrain>(int partition)
    {
        var barriers = _shards
            .Where(s => s.Key.GrainClass == typeof(TGrain).FullName && s.Key.Partition == partition)
            .Select(s => new ShardBarrier(s.Key.Shard, s.Value.Last, false, s.Value.Last, s.Value.Watermark))
            .ToArray();
        var checkpoint = Grains.GetGrain<IPartitionCheckpoint>(partition, typeof(TGrain).FullName);
        var persisted = await checkpoint.PersistAsync(barriers);
        Assert.Empty(persisted.Gaps);
        return await checkpoint.AwaitDurableAsync(persisted.Epoch);
    }

    /// <summary>The dead letters written so far whose reason starts with <paramref name="reasonPrefix"/>.</summary>
    public List<DeadLetter> DeadLetters(string reasonPrefix) =>
        [.. Directory.Exists(DeadLetterFolder)
            ? Directory.EnumerateFiles(DeadLetterFolder, "*", SearchOption.AllDirectories)
                .SelectMany(File.ReadLines)
                .Where(l => l.Length > 0)
                .Select(l => System.Text.Json.JsonSerializer.Deserialize<DeadLetter>(l, Abstractions.Serialization.StateSerializer.Options)!)
                .Where(l => l.Reason.StartsWith(reasonPrefix, StringComparison.Ordinal))
            : []];

    private ShardPosition Next() => new((++_sequence).ToString(System.Globalization.CultureInfo.InvariantCulture), 0);

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var harness = s_current!;
            siloBuilder.AddKeyedState(
                new KeyedStateOptions { PartitionCount = 4, MaxTimersPerTurn = 500, TimerCheckInterval = TimeSpan.FromMilliseconds(50) },
                new PartitionStoreOptions(),
                Path.Combine(harness._data.Path, "state"));
            siloBuilder.AddKeyedStatePartition<TumblingCountGrain>();
            siloBuilder.AddKeyedStatePartition<SessionCountGrain>();
            siloBuilder.AddKeyedStatePartition<ExpiringCounterGrain>();
            siloBuilder.AddKeyedStatePartition<TimerLogGrain>();
            siloBuilder.AddKeyedStatePartition<PartsTumblingGrain>();
            siloBuilder.AddKeyedStatePartition<PartsCounterGrain>();
            siloBuilder.Services.AddSingleton<IDeadLetterQueue>(new LocalDeadLetterQueue(harness.DeadLetterFolder));
            siloBuilder.Services.AddSingleton<IRowSink>(harness.Tumbling);
            siloBuilder.Services.AddSingleton<IRowSink>(harness.Sessions);
            siloBuilder.Services.AddSingleton<IRowSink>(harness.TimerLog);
            siloBuilder.Services.AddSingleton<IRowSink>(harness.Expiring);
        }
    }
}
