using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Streams;

namespace KinesisGrains.Tests;

/// <summary>An <see cref="OrderCheckGrain"/> that takes a millisecond per event, so fetching outruns processing.</summary>
[GrainType("slow-order-check")]
public sealed class SlowOrderCheckGrain : OrderCheckGrain
{
    public override void OnNext(ClickEvent item, in StreamEventInfo info)
    {
        Thread.Sleep(1);
        base.OnNext(item, info);
    }
}
