using KinesisGrains.KeyedState.Storage;
using KinesisGrains.KeyedState.Tests;
using KinesisGrains.KeyedState.Timers;
using Xunit;

namespace KinesisGrains.Tests.EventTime;

/// <summary>
/// Timers due are collected from the store with the registrations and deletions not written yet laid over it, so a
/// partition need not write what a batch applied before it fires timers.
/// </summary>
public sealed class PartitionTimersTests
{
    [Fact]
    public void Timers_not_written_yet_are_due_with_the_stored_ones_in_order_and_deleted_ones_are_not()
    {
        using var db = new TestDb();
        using var store = new RocksDbKeyValueStore(db.Db, ownsDatabase: false);
        var timers = new PartitionTimers();
        timers.Load(store);
        foreach (var (time, key) in new[] { (10L, "b"), (20L, "a"), (30L, "c"), (40L, "d"), (90L, "late") })
        {
            timers.Register(TimeDomain.EventTime, time, PartitionTimers.LogicPurpose, key);
        }

        using (var batch = store.CreateBatch())
        {
            timers.Put(batch);
            store.Write(batch);
        }

        // Not written: two new ones (one between stored ones, one at a stored time with a smaller key), one stored
        // deleted, one registered and deleted again, one stored registered again (still one timer).
        timers.Register(TimeDomain.EventTime, 25, PartitionTimers.LogicPurpose, "new");
        timers.Register(TimeDomain.EventTime, 10, PartitionTimers.LogicPurpose, "a");
        timers.Delete(TimeDomain.EventTime, 20, PartitionTimers.LogicPurpose, "a");
        timers.Register(TimeDomain.EventTime, 35, PartitionTimers.LogicPurpose, "gone");
        timers.Delete(TimeDomain.EventTime, 35, PartitionTimers.LogicPurpose, "gone");
        timers.Register(TimeDomain.EventTime, 30, PartitionTimers.LogicPurpose, "c");

        var expected = new List<(long, byte, string)> { (10, 0, "a"), (10, 0, "b"), (25, 0, "new"), (30, 0, "c"), (40, 0, "d") };
        var due = new List<(long Time, byte Purpose, string Key)>();

        // Fewer per call than are due: each call returns the first ones, a deletion does not make one go missing.
        timers.CollectDue(store, TimeDomain.EventTime, 50, 2, due);
        Assert.Equal(expected[..2], due);
        timers.CollectDue(store, TimeDomain.EventTime, 50, 10, due);
        Assert.Equal(expected, due);

        // Every one due is in hand: the next due is the one at 90, none of those collected comes back once deleted.
        Assert.False(timers.MayBeDue(TimeDomain.EventTime, 89));
        Assert.True(timers.MayBeDue(TimeDomain.EventTime, 90));
        foreach (var (time, purpose, key) in due)
        {
            timers.Delete(TimeDomain.EventTime, time, purpose, key);
        }

        using (var batch = store.CreateBatch())
        {
            timers.Put(batch);
            store.Write(batch);
        }

        timers.CollectDue(store, TimeDomain.EventTime, 100, 10, due);
        Assert.Equal([(90L, (byte)0, "late")], due);
    }
}
