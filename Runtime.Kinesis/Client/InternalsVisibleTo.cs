using System.Runtime.CompilerServices;

// The tests check the signer and the error parser directly.
[assembly: InternalsVisibleTo("KinesisGrains.Runtime.Kinesis.Tests")]
