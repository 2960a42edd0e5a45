using KinesisGrains.Grains.EventsPerMinute;
using KinesisGrains.Grains.Sessions;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Silo.Hosting;

// The demo silo: the clickstream feeds the user-activity partitions, one state per user id, and from the same reads
// each user's sessions and the clicks per minute of each event type (both by event time). Event time is the click's
// Timestamp with Kinesis:EventTime:Source=Event, the records' arrival time otherwise.
return await SiloHost.RunAsync(args, silo => silo
    .ConsumeStream<ClickEvent, UserActivityPartitionGrain>(IUserActivityPartition.StreamNamespace, eventTime: e => e.Timestamp)
    .AddPartitionGrain<UserSessionsPartitionGrain>()
    .AddPartitionGrain<EventsPerMinutePartitionGrain>());
