using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Silo.Hosting;

// The demo silo: the clickstream feeds one UserActivityGrain per user id.
return await SiloHost.RunAsync(args, silo => silo.ConsumeStream<ClickEvent, UserActivityGrain>());
