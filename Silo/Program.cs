using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Silo.Hosting;

// The demo silo: the clickstream feeds the user-activity partitions, one state per user id.
return await SiloHost.RunAsync(args, silo => silo.ConsumeStream<ClickEvent, UserActivityPartitionGrain>(IUserActivityPartition.StreamNamespace));
