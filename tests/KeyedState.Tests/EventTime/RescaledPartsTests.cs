using System.Text;
using System.Text.Json;
using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.KeyedState.Windows;
using Xunit;

namespace KinesisGrains.Tests.EventTime;

/// <summary>Parts of a key that a rescale down put into one partition: merged when the partition opens, or refused by a grain that cannot.</summary>
[Collection(nameof(EventTimeCollection))]
public sealed class RescaledPartsTests(EventTimeHarness harness)
{
    private static readonly long T0 = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    [Fact]
    public async Task A_windowed_partition_merges_the_parts_of_a_key_when_it_opens()
    {
        // Old partition 0 had fired the minute before T0 and holds 3 events of T0's minute; old partition 5 holds 4 of
        // that minute and 1 of the next.
        WriteParts("parts-tumbling", 2, "clicks",
            (0, new KeyWindows<long>
            {
                Open = [Slot(T0, 3)],
                Recent = [new WindowSlot<long> { Start = T0 - 60_000, End = T0, Accumulator = 2, Events = 2, Fired = true, Revision = 1 }],
                TimerAt = T0 + 60_000,
            }),
            (5, new KeyWindows<long> { Open = [Slot(T0, 4), Slot(T0 + 60_000, 1)], TimerAt = T0 + 60_000 }));

        var windows = await harness.Grains.GetGrain<ITestWindowPartition>(2, typeof(PartsTumblingGrain).FullName).GetWindowsAsync("clicks");

        Assert.Equal(
            [(T0 - 60_000, 2L, true, true), (T0, 7L, false, false), (T0 + 60_000, 1L, false, false)],
            windows.Select(w => (w.Start.ToUnixTimeMilliseconds(), w.Value, w.Fired, w.Closed)));
    }

    [Fact]
    public async Task A_partition_whose_grain_does_not_merge_parts_refuses_to_open_and_says_why()
    {
        WriteParts("parts-counter", 2, "total", (0, new CounterState { Count = 1 }), (1, new CounterState { Count = 2 }));

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => harness.Grains.GetGrain<ITestPartition>(2, typeof(PartsCounterGrain).FullName).GetAsync("total"));

        Assert.Contains("holds parts of keys that a rescale brought from several old partitions, and PartsCounterGrain does not merge parts", refused.Message);
    }

    private static WindowSlot<long> Slot(long start, long events) => new() { Start = start, End = start + 60_000, Accumulator = events, Events = events };

    /// <summary>Writes the parts into the partition's store before it first opens, as a rescale's snapshot would hold them.</summary>
    private void WriteParts<TState>(string stateName, int partition, string key, params (int Source, TState Part)[] parts)
    {
        var directory = harness.StoreDirectory(stateName, partition);
        Directory.CreateDirectory(Path.GetDirectoryName(directory)!);
        using var store = RocksDbKeyValueStore.Open(directory, new RocksDbOptions());
        using var batch = store.CreateBatch();
        foreach (var (source, part) in parts)
        {
            batch.Put(StateKeys.Part(source, Encoding.UTF8.GetBytes(key)), JsonSerializer.SerializeToUtf8Bytes(part, StateSerializer.Options));
        }

        store.Write(batch);
    }
}
