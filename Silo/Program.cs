using KinesisGrains.Grains.EventsPerMinute;
using KinesisGrains.Grains.Sessions;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Silo.Hosting;

// The demo silo: the clickstream feeds the user-activity partitions, one state per user id, and from the same reads
// each user's sessions and the clicks per minute of each event type (both by event time).
return await SiloHost.RunAsync(args, silo => silo
    .ConsumeStream<ClickEvent, UserActivityPartitionGrain>(IUserActivityPartition.StreamNamespace)
    .AddPartitionGrain<UserSessionsPartitionGrain>()
    .AddPartitionGrain<EventsPerMinutePartitionGrain>());
