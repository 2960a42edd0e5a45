using KinesisGrains.Cli.Commands;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>The lease watch of the offline commands: --lease-failover-time is a minimum; an application whose silos recorded none keeps it as given.</summary>
public sealed class LeaseFailoverWaitTests
{
    [Theory]
    [InlineData(10, null, 10)]
    [InlineData(10, 3, 10)]
    [InlineData(2, 30, 30)]
    public void The_wait_is_the_longer_of_the_option_and_the_recorded_time(int option, int? recorded, int expected) =>
        Assert.Equal(TimeSpan.FromSeconds(expected), LeaseFailoverWait.Of(TimeSpan.FromSeconds(option), recorded is { } seconds ? TimeSpan.FromSeconds(seconds) : null));
}
