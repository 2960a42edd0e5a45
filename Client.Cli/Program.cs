return await KinesisGrains.Cli.KgrainsCli.RunAsync(args);
