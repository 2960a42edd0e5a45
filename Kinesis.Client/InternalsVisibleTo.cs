using System.Runtime.CompilerServices;

// The tests check the signer and the error parser directly.
[assembly: InternalsVisibleTo("KinesisGrains.Streaming.Kinesis.Tests")]
