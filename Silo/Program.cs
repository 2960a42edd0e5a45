using KinesisGrains.Abstractions.Views;
using KinesisGrains.Grains.Clicks;
using KinesisGrains.Grains.EventsPerMinute;
using KinesisGrains.Grains.Sessions;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Silo.Hosting;
using Microsoft.Extensions.Configuration;

// The demo silo: the clickstream feeds the user-activity partitions, one state per user id, and from the same reads
// each user's sessions and the clicks per minute of each event type (both by event time). Event time is the click's
// Timestamp with Kinesis:EventTime:Source=Event, the records' arrival time otherwise. With Clickstream:Views=true the
// same reads also feed two keyed views: the clicks per event type, and the count of every click (one hot key,
// pre-aggregated in every partition).
return await SiloHost.RunAsync(args, silo =>
{
    silo.ConsumeStream<ClickEvent, UserActivityPartitionGrain>(IUserActivityPartition.StreamNamespace, eventTime: e => e.Timestamp)
        .AddPartitionGrain<UserSessionsPartitionGrain>()
        .AddPartitionGrain<EventsPerMinutePartitionGrain>();
    if (silo.Configuration.GetValue<bool>("Clickstream:Views"))
    {
        silo.AddKeyedView<ClickEvent, ClickTypePartitionGrain>(IClickTypePartition.StreamNamespace, click => click.Type)
            .AddKeyedView<ClickEvent, ClickTotalPartitionGrain>(IClickTotalPartition.StreamNamespace, _ => IClickTotalPartition.Key, KeyedViewRouting.Spread);
    }
});
