using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.Tests.Buffering;

public sealed class FetchBufferOptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        Assert.Empty(FetchBufferOptionsValidator.Problems(new FetchBufferOptions()));
    }

    [Fact]
    public void Every_invalid_setting_is_named()
    {
        var errors = FetchBufferOptionsValidator.Problems(new FetchBufferOptions { SoftLimitBytes = 0, MaxSpillBytes = -1, SpillSegmentBytes = 0 }).ToList();

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains("SoftLimitBytes", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("MaxSpillBytes", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("SpillSegmentBytes", StringComparison.Ordinal));
    }

    [Fact]
    public void A_spill_directory_is_needed_only_when_spilling()
    {
        Assert.Single(FetchBufferOptionsValidator.Problems(new FetchBufferOptions { SpillDirectory = " " }));
        Assert.Empty(FetchBufferOptionsValidator.Problems(new FetchBufferOptions { SpillDirectory = "", MaxSpillBytes = 0 }));
    }

    [Fact]
    public void The_buffer_refuses_invalid_options_and_copies_valid_ones()
    {
        var exception = Assert.Throws<OrleansConfigurationException>(() => new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = -5 }));
        Assert.Equal("Invalid fetch buffer options: FetchBuffer:SoftLimitBytes must be positive; it is -5.", exception.Message);

        var options = new FetchBufferOptions { SoftLimitBytes = 1234, SpillDirectory = "relative-spill" };
        using var buffer = new FetchBuffer(options);
        options.SoftLimitBytes = 1;
        Assert.Equal(1234, buffer.SoftLimitBytes);
        Assert.True(Path.IsPathFullyQualified(buffer.SpillDirectory));
    }
}
