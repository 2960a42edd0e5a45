using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Streams;

namespace KinesisGrains.Tests;

/// <summary>
/// An <see cref="OrderCheckGrain"/> that takes a millisecond per event, and can hold the first event until released,
/// so that fetching outruns processing however busy the machine is.
/// </summary>
[GrainType("slow-order-check")]
public sealed class SlowOrderCheckGrain : OrderCheckGrain
{
    private static readonly ManualResetEventSlim s_release = new(initialState: true);
    private static int s_held = 1;

    /// <summary>The next event waits (one partition thread, at most a minute) until <see cref="Release"/>.</summary>
    public static void HoldNextEvent()
    {
        s_release.Reset();
        Volatile.Write(ref s_held, 0);
    }

    public static void Release() => s_release.Set();

    public override void OnNext(ClickEvent item, in StreamEventInfo info)
    {
        if (Interlocked.Exchange(ref s_held, 1) == 0)
        {
            s_release.Wait(TimeSpan.FromMinutes(1));
        }

        Thread.Sleep(1);
        base.OnNext(item, info);
    }
}
