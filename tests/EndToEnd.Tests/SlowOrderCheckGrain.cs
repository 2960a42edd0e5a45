using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Streams;
using Orleans;

namespace KinesisGrains.Tests;

public interface ISlowOrderCheckPartition : IKeyedStatePartition<OrderCheckState>
{
    public const string StreamNamespace = "slow-order-check";
}

/// <summary>
/// An order check that takes a millisecond per event, and can hold the first event until released, so that
/// fetching outruns processing however busy the machine is.
/// </summary>
[ImplicitStreamSubscription(ISlowOrderCheckPartition.StreamNamespace)]
public sealed class SlowOrderCheckPartitionGrain : OrderCheckPartitionBase, ISlowOrderCheckPartition
{
    private static readonly ManualResetEventSlim s_release = new(initialState: true);
    private static int s_held = 1;

    protected override string StateName => "slow-order-check";

    /// <summary>The next event waits (at most a minute) until <see cref="Release"/>.</summary>
    public static void HoldNextEvent()
    {
        s_release.Reset();
        Volatile.Write(ref s_held, 0);
    }

    public static void Release() => s_release.Set();

    protected override void Apply(string key, OrderCheckState state, ClickEvent item, in StreamEventInfo info)
    {
        if (Interlocked.Exchange(ref s_held, 1) == 0)
        {
            s_release.Wait(TimeSpan.FromMinutes(1));
        }

        Thread.Sleep(1);
        base.Apply(key, state, item, info);
    }
}
