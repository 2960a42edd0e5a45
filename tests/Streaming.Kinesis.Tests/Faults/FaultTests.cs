using KinesisGrains.Testing.Faults;
using Xunit;

namespace KinesisGrains.Tests.Faults;

/// <summary>The fault catalogue and argument checks; no emulator needed.</summary>
public sealed class FaultTests
{
    [Fact]
    public void The_predefined_faults_imitate_the_service()
    {
        Assert.Equal((400, "ProvisionedThroughputExceededException"), (Fault.Throttle.StatusCode, Fault.Throttle.ErrorType));
        Assert.StartsWith("Rate exceeded for shard", Fault.Throttle.Message);
        Assert.Equal((500, "InternalFailure", null), (Fault.InternalError.StatusCode, Fault.InternalError.ErrorType, Fault.InternalError.Message));
        Assert.Equal((500, null), (Fault.EmptyServerError.StatusCode, Fault.EmptyServerError.ErrorType));
        Assert.Equal((400, "ExpiredIteratorException"), (Fault.ExpiredIterator.StatusCode, Fault.ExpiredIterator.ErrorType));
        Assert.Equal(FaultKind.Disconnect, Fault.Disconnect.Kind);
    }

    [Fact]
    public void Delay_and_Custom_describe_themselves()
    {
        var delay = Fault.Delay(TimeSpan.FromSeconds(2));
        var custom = Fault.Custom(503, "ServiceUnavailable", "busy");

        Assert.Equal((FaultKind.Delay, TimeSpan.FromSeconds(2), "Delay(2000ms)"), (delay.Kind, delay.Hold, delay.ToString()));
        Assert.Equal((FaultKind.Respond, 503, "ServiceUnavailable", "busy"), (custom.Kind, custom.StatusCode, custom.ErrorType, custom.Message));
        Assert.Equal("Custom(503 ServiceUnavailable)", custom.Name);
    }

    [Fact]
    public async Task Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Fault.Delay(TimeSpan.FromMilliseconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Fault.Custom(99, "X"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Fault.Custom(600, "X"));
        Assert.Throws<ArgumentException>(() => Fault.Custom(500, null, "a message without a type has no body to go in"));
        await Assert.ThrowsAsync<ArgumentException>(() => FaultInjectingProxy.StartAsync(new Uri("ftp://127.0.0.1/")));

        // A proxy to nowhere is enough to check the rule arguments; nothing is sent.
        await using var proxy = await FaultInjectingProxy.StartAsync(new Uri("http://127.0.0.1:9/"));
        Assert.Throws<ArgumentOutOfRangeException>(() => proxy.Inject("GetRecords", Fault.Throttle, times: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => proxy.InjectEvery("GetRecords", 0, Fault.Throttle));
        Assert.Throws<ArgumentException>(() => proxy.Inject("", Fault.Throttle));
        Assert.Equal(0, proxy.Count(FaultInjectingProxy.AnyOperation));
    }
}
