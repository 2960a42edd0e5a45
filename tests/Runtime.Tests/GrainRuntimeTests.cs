using System.Text.Json;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.RocksDb;
using KinesisGrains.RocksDb.Storage;
using KinesisGrains.Runtime.DeadLetters;
using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Partitions;
using KinesisGrains.Runtime.Serialization;
using KinesisGrains.Runtime.Streams;
using KinesisGrains.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>The partitioned grain runtime over a real RocksDB: exactly-once application of micro-batches.</summary>
public sealed class GrainRuntimeTests : IDisposable
{
    private const string Shard = "shardId-000000000000";
    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new("runtime-tests");

    [Fact]
    public async Task Applies_events_and_answers_grain_calls()
    {
        await using var host = Open();
        var result = await host.Runtime.ApplyAsync(typeof(UserActivityGrain), Shard, Events(0, 100, keys: 10));

        Assert.Equal(new StreamBatchResult(100, 0, 0), result);
        var summary = await host.GetSummaryAsync("user-3");
        Assert.Equal(10, summary.EventCount);
        Assert.Equal(Enumerable.Range(0, 100).Where(i => i % 10 == 3).Sum(i => 100L + i), summary.TotalBytes);
        Assert.Equal(s_start.AddSeconds(3), summary.FirstSeen);
        Assert.Equal(s_start.AddSeconds(93), summary.LastSeen);
    }

    [Fact]
    public async Task Redelivered_events_at_or_below_the_high_water_mark_are_skipped_also_after_a_restart()
    {
        await using (var host = Open())
        {
            await host.Runtime.ApplyAsync(typeof(UserActivityGrain), Shard, Events(0, 50, keys: 5));
            var again = await host.Runtime.ApplyAsync(typeof(UserActivityGrain), Shard, Events(0, 50, keys: 5));
            Assert.Equal(new StreamBatchResult(0, 50, 0), again);
        }

        await using (var host = Open())
        {
            // A replay from an older checkpoint: the first 50 are known, the next 30 are new.
            var replay = await host.Runtime.ApplyAsync(typeof(UserActivityGrain), Shard, Events(0, 80, keys: 5));
            Assert.Equal(new StreamBatchResult(30, 50, 0), replay);
            Assert.Equal(16, (await host.GetSummaryAsync("user-0")).EventCount);
        }
    }

    [Fact]
    public async Task High_water_marks_are_per_shard()
    {
        await using var host = Open();
        await host.Runtime.ApplyAsync(typeof(UserActivityGrain), Shard, Events(0, 10, keys: 1));
        var other = await host.Runtime.ApplyAsync(typeof(UserActivityGrain), "shardId-000000000001", Events(0, 10, keys: 1, shard: "shardId-000000000001"));

        Assert.Equal(10, other.Applied);
        Assert.Equal(20, (await host.GetSummaryAsync("user-0")).EventCount);
    }

    [Fact]
    public async Task Evicted_activations_reload_their_state_from_the_store()
    {
        await using var host = Open(new GrainRuntimeOptions { PartitionCount = 2, MaxActivationsPerPartition = 8, MaxDirtyGrainsPerPartition = 4 });
        for (var round = 0; round < 3; round++)
        {
            await host.Runtime.ApplyAsync(typeof(UserActivityGrain), Shard, Events(round * 200, 200, keys: 100));
        }

        Assert.True(host.Runtime.ActivationCount <= 2 * (8 + 4), $"{host.Runtime.ActivationCount} activations");
        for (var key = 0; key < 100; key += 7)
        {
            Assert.Equal(6, (await host.GetSummaryAsync($"user-{key}")).EventCount);
        }
    }

    [Fact]
    public async Task Two_grain_types_with_the_same_keys_keep_their_own_state_through_eviction()
    {
        await using var host = Open(new GrainRuntimeOptions { PartitionCount = 2, MaxActivationsPerPartition = 8, MaxDirtyGrainsPerPartition = 4 });
        for (var round = 0; round < 3; round++)
        {
            await host.Runtime.ApplyAsync(typeof(UserActivityGrain), "shardId-a", Events(round * 200, 200, keys: 50, shard: "shardId-a"));
            await host.Runtime.ApplyAsync(typeof(ExplodingActivityGrain), "shardId-b", Events(round * 100, 100, keys: 50, shard: "shardId-b"));
        }

        Assert.True(host.Runtime.ActivationCount <= 2 * (8 + 4), $"{host.Runtime.ActivationCount} activations");
        for (var key = 0; key < 50; key += 7)
        {
            Assert.Equal(12, (await host.GetSummaryAsync($"user-{key}")).EventCount);
            Assert.Equal(6L, await host.Runtime.InvokeAsync(GrainInterfaceName.Of<IExplodingActivity>(), $"user-{key}", nameof(IExplodingActivity.GetCountAsync), default));
        }
    }

    [Fact]
    public async Task A_grain_that_throws_dead_letters_the_event_and_the_batch_goes_on()
    {
        await using var host = Open();
        var events = Events(0, 10, keys: 2);
        events[4] = events[4] with { Item = events[4].Item with { Type = ExplodingActivityGrain.Poison } };

        var result = await host.Runtime.ApplyAsync(typeof(ExplodingActivityGrain), Shard, events);

        Assert.Equal(new StreamBatchResult(9, 0, 1), result);
        var letter = Assert.Single(host.DeadLetters.ReadAll());
        Assert.Equal(events[4].Source.SequenceNumber, letter.SequenceNumber);
        Assert.Contains("InvalidOperationException: poison", letter.Reason);
    }

    [Fact]
    public async Task A_grain_call_that_changes_state_is_persisted()
    {
        await using (var host = Open())
        {
            await host.Runtime.ApplyAsync(typeof(UserActivityGrain), Shard, Events(0, 10, keys: 1));
            await host.Runtime.InvokeAsync(GrainInterfaceName.Of<IUserActivity>(), "user-0", nameof(IUserActivity.ResetAsync), default);
        }

        await using (var host = Open())
        {
            Assert.Equal(0, (await host.GetSummaryAsync("user-0")).EventCount);
        }
    }

    [Fact]
    public async Task Unknown_interfaces_and_methods_are_clear_errors()
    {
        await using var host = Open();
        var unknownInterface = await Assert.ThrowsAsync<GrainCallException>(() => host.Runtime.InvokeAsync("INope", "k", "M", default));
        Assert.Contains("No grain class on this silo implements 'INope'", unknownInterface.Message);
        var unknownMethod = await Assert.ThrowsAsync<GrainCallException>(() => host.Runtime.InvokeAsync(GrainInterfaceName.Of<IUserActivity>(), "k", "Fly", default));
        Assert.Contains("has no method 'Fly'", unknownMethod.Message);
    }

    public void Dispose() => _directory.Dispose();

    private TestHost Open(GrainRuntimeOptions? options = null) => new(_directory.Path, options ?? new GrainRuntimeOptions { PartitionCount = 4 });

    private static List<StreamEvent<ClickEvent>> Events(int first, int count, int keys, string shard = Shard) =>
        Enumerable.Range(first, count).Select(i =>
        {
            var user = $"user-{i % keys}";
            var item = new ClickEvent(user, i % 3 == 0 ? "view" : "click", 100 + i, s_start.AddSeconds(i));
            var sequence = (1_000_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var record = new StreamRecord(JsonSerializer.SerializeToUtf8Bytes(item), user, sequence, 0, null, s_start, shard);
            return new StreamEvent<ClickEvent>(user, item, record);
        }).ToList();

    private sealed class TestHost : IAsyncDisposable
    {
        private readonly RocksDbKeyValueStore _store;

        public TestHost(string directory, GrainRuntimeOptions options)
        {
            _store = RocksDbKeyValueStore.Open(Path.Combine(directory, "state"), new RocksDbOptions());
            DeadLetters = new LocalDeadLetterQueue(Path.Combine(directory, "dead-letters"));
            Runtime = new GrainRuntime(
                _store,
                new GrainTypeRegistry([typeof(UserActivityGrain), typeof(ExplodingActivityGrain)]),
                options,
                DeadLetters,
                new ServiceCollection().BuildServiceProvider(),
                NullLoggerFactory.Instance);
        }

        public GrainRuntime Runtime { get; }

        public LocalDeadLetterQueue DeadLetters { get; }

        public async Task<UserActivitySummary> GetSummaryAsync(string user)
        {
            var result = await Runtime.InvokeAsync(GrainInterfaceName.Of<IUserActivity>(), user, nameof(IUserActivity.GetSummaryAsync), default);
            return Assert.IsType<UserActivitySummary>(result);
        }

        public async ValueTask DisposeAsync()
        {
            await Runtime.DisposeAsync();
            _store.Dispose();
        }
    }
}

/// <summary>A consumer that throws on one event type, to test poison events.</summary>
public interface IExplodingActivity : IGrainWithStringKey
{
    Task<long> GetCountAsync();
}

[GrainType("exploding")]
public sealed class ExplodingActivityGrain : Grain<UserActivityState>, IExplodingActivity, IStreamConsumer<ClickEvent>
{
    public const string Poison = "poison";

    public void OnNext(ClickEvent item, in StreamEventInfo info)
    {
        if (item.Type == Poison)
        {
            throw new InvalidOperationException("poison");
        }

        State.EventCount++;
    }

    public Task<long> GetCountAsync() => Task.FromResult(State.EventCount);
}
