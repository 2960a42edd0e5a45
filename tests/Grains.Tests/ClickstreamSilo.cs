using KinesisGrains.Abstractions.DeadLetters;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.KeyedState;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// One silo with the clickstream's partition grains on real RocksDB stores, fed through an Orleans stream provider
/// (memory streams, implicit subscriptions, as the Kinesis provider delivers) with batches the test makes: one shard
/// whose reads carry the watermark the test says, so windows fire without a Kinesis receiver.
/// </summary>
public class ClickstreamSilo : IAsyncLifetime
{
    public const int Partitions = 4;
    public const string Shard = "shardId-000000000000";
    private const string Provider = "clicks";

    private readonly TempDirectory _data = new("kgrains-grains");
    private readonly ShardPosition?[] _lastTo = new ShardPosition?[Partitions];
    private readonly Type[] _hosted;
    private ShardPosition? _reached;
    private DateTimeOffset? _watermark;
    private long _sequence = 1_000;

    public ClickstreamSilo()
        : this(typeof(UserActivityPartitionGrain), typeof(Grains.Sessions.UserSessionsPartitionGrain), typeof(Grains.EventsPerMinute.EventsPerMinutePartitionGrain))
    {
    }

    /// <param name="hosted">The partition grain classes the silo hosts (AddKeyedStatePartition).</param>
    protected ClickstreamSilo(params Type[] hosted) => _hosted = hosted;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public string DeadLetterFolder => Path.Combine(_data.Path, "dead-letters");

    /// <summary>The partitions' RocksDB folders, one per state name.</summary>
    public string StateFolder => Path.Combine(_data.Path, "state");

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddKeyedState(
                new KeyedStateOptions { PartitionCount = Partitions, TimerCheckInterval = TimeSpan.FromMilliseconds(50) },
                new PartitionStoreOptions(),
                StateFolder);
            var addPartition = typeof(KeyedStateSiloBuilderExtensions).GetMethod(nameof(KeyedStateSiloBuilderExtensions.AddKeyedStatePartition))!;
            foreach (var grainClass in _hosted)
            {
                addPartition.MakeGenericMethod(grainClass).Invoke(null, [silo]);
            }

            silo.Services.AddSingleton<IDeadLetterQueue>(new LocalDeadLetterQueue(DeadLetterFolder));
            silo.AddMemoryStreams(Provider, stream => stream.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly));
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(Provider, stream => stream.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly)));
        Cluster = builder.Build();
        await Cluster.DeployAsync();

        // A silo's first barrier round names the open shards: before one, a partition's watermark does not move.
        foreach (var grainClass in _hosted)
        {
            for (var partition = 0; partition < Partitions; partition++)
            {
                var checkpoint = Client.GetGrain<IPartitionCheckpoint>(partition, grainClass.FullName);
                var persisted = await checkpoint.PersistAsync([new ShardBarrier(Shard, null, false, null, OpenElsewhere: true)]);
                await checkpoint.AwaitDurableAsync(persisted.Epoch);
            }
        }
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        _data.Dispose();
    }

    /// <summary>
    /// A start time for a test's clicks, a day past every watermark so far: the tests of a class share the shard, and
    /// its watermark only moves forward.
    /// </summary>
    public DateTimeOffset NewStart()
    {
        var start = (_watermark ?? new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)).AddDays(1);
        return start.AddTicks(-(start.Ticks % TimeSpan.TicksPerDay));
    }

    /// <summary>The partition of a user id.</summary>
    public static int PartitionOf(string user) => new PartitionMap(Partitions).GetPartition(user);

    /// <summary>
    /// One read of the shard: each click goes to its user's partition, and every partition gets a batch carrying the
    /// shard's <paramref name="watermark"/> (an empty one where no click of the read went), as the receiver sends them.
    /// </summary>
    public async Task ReadAsync(DateTimeOffset? watermark, IEnumerable<ClickEvent> clicks, params (string User, string Reason)[] rejected)
    {
        var events = clicks.Select(c => new KeyedEvent<ClickEvent>(c.UserId, c, new StreamEventInfo(Shard, Next(), c.UserId, DateTimeOffset.UtcNow) { EventTime = c.Timestamp })).ToList();
        var rejections = rejected.Select(r => (Partition: PartitionOf(r.User), Record: new RejectedRecord(new StreamEventInfo(Shard, Next(), r.User, DateTimeOffset.UtcNow), r.Reason, "not json"u8.ToArray()))).ToList();
        var to = Next();
        var streams = Client.GetStreamProvider(Provider);
        for (var partition = 0; partition < Partitions; partition++)
        {
            var batch = new KeyedEventBatch<ClickEvent>
            {
                ShardId = Shard,
                Partition = partition,
                From = _lastTo[partition],
                To = to,
                Events = [.. events.Where(e => PartitionOf(e.Key) == partition)],
                Rejected = [.. rejections.Where(r => r.Partition == partition).Select(r => r.Record)],
                Watermark = watermark,
            };
            _lastTo[partition] = to;
            await streams.GetStream<KeyedEventBatch<ClickEvent>>(StreamId.Create(IUserActivityPartition.StreamNamespace, partition)).OnNextAsync(batch);
        }

        _reached = to;
        _watermark = watermark ?? _watermark;
    }

    /// <summary>A checkpoint barrier of the shard on every partition of <typeparamref name="TGrain"/>: what they applied is durable, their dead letters written.</summary>
    public async Task BarrierAsync<TGrain>()
    {
        for (var partition = 0; partition < Partitions; partition++)
        {
            var checkpoint = Client.GetGrain<IPartitionCheckpoint>(partition, typeof(TGrain).FullName);

            // The stream delivers in the background; a barrier claims only what the partition already holds (as the
            // receiver's does), or the partition reports a gap and refuses the shard's late batch.
            var covered = await EventuallyAsync(() => checkpoint.GetCoveredAsync(Shard), c => c == _lastTo[partition]);
            Assert.Equal(_lastTo[partition], covered);
            var persisted = await checkpoint.PersistAsync([new ShardBarrier(Shard, _reached, false, _lastTo[partition], _watermark)]);
            Assert.Empty(persisted.Gaps);
            await checkpoint.AwaitDurableAsync(persisted.Epoch);
        }
    }

    /// <summary>The dead letters written so far.</summary>
    public List<DeadLetter> DeadLetters() => [.. new LocalDeadLetterQueue(DeadLetterFolder).ReadAll()];

    /// <summary>Asks until the answer satisfies <paramref name="done"/> (the stream delivers in the background), at most 30 s.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> ask, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var answer = await ask();
            if (done(answer) || DateTime.UtcNow > deadline)
            {
                return answer;
            }

            await Task.Delay(50);
        }
    }

    private ShardPosition Next() => new((++_sequence).ToString(System.Globalization.CultureInfo.InvariantCulture), 0);
}
