using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Sinks.Kinesis;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.Tests.KinesisSinks;

/// <summary>The Kinesis sink's own rules, and the rules it shares with the DynamoDB sink (<c>AwsRowSinkOptions</c>).</summary>
public sealed class KinesisSinkOptionsValidatorTests
{
    private static KinesisSinkOptions Valid() => new() { Name = "views", StateName = "user-activity", StreamName = "page-views" };

    private static string Single(Action<KinesisSinkOptions> change)
    {
        var options = Valid();
        change(options);
        return Assert.Single(KinesisSinkOptionsValidator.Problems(options));
    }

    [Fact]
    public void Defaults_with_a_state_and_a_stream_pass()
    {
        var options = Valid();
        Assert.Empty(KinesisSinkOptionsValidator.Problems(options));
        Assert.Equal((SinkOutputKind.Emitted, true), (options.Output, options.SkipEpochsSentInProcess));
        new KinesisSinkOptionsValidator(options).ValidateConfiguration();
    }

    [Theory]
    [InlineData("")]
    [InlineData("page views")]
    [InlineData("a-stream-name-that-is-far-too-long-a-stream-name-that-is-far-too-long-a-stream-name-that-is-far-too-long-a-stream-name-that-is-far")]
    public void StreamName_must_be_a_stream_name(string stream) =>
        Assert.StartsWith("Sinks:views:StreamName", Single(o => o.StreamName = stream));

    [Fact]
    public void Name_is_required() =>
        Assert.StartsWith("A sink's Name", Single(o => o.Name = ""));

    [Fact]
    public void StateName_is_required() =>
        Assert.StartsWith("Sinks:views:StateName is required", Single(o => o.StateName = " "));

    [Fact]
    public void Output_must_be_a_known_kind() =>
        Assert.StartsWith("Sinks:views:Output", Single(o => o.Output = (SinkOutputKind)7));

    [Theory]
    [InlineData("localhost:4567")]
    [InlineData("ftp://127.0.0.1:4567")]
    public void ServiceUrl_must_be_an_absolute_http_url(string url) =>
        Assert.StartsWith("Sinks:views:ServiceUrl", Single(o => o.ServiceUrl = new Uri(url, UriKind.RelativeOrAbsolute)));

    [Fact]
    public void Region_is_required() =>
        Assert.StartsWith("Sinks:views:Region is required", Single(o => o.Region = ""));

    [Fact]
    public void Region_must_look_like_a_region() =>
        Assert.StartsWith("Sinks:views:Region 'us east'", Single(o => o.Region = "us east"));

    [Fact]
    public void Keys_go_in_pairs_and_their_values_never_show()
    {
        var keyOnly = Single(o => o.AccessKeyId = "AKIDSECRETVALUE");
        var secretOnly = Single(o => o.SecretAccessKey = "very-secret");
        Assert.All([keyOnly, secretOnly], problem => Assert.Contains("Sinks:views:AccessKeyId and Sinks:views:SecretAccessKey go together", problem));
        Assert.DoesNotContain("AKIDSECRETVALUE", keyOnly);
        Assert.DoesNotContain("very-secret", secretOnly);
    }

    [Fact]
    public void SessionToken_needs_the_keys() =>
        Assert.StartsWith("Sinks:views:SessionToken needs", Single(o => o.SessionToken = "token"));

    [Fact]
    public void MaxAttempts_is_at_least_one() =>
        Assert.StartsWith("Sinks:views:MaxAttempts", Single(o => o.MaxAttempts = 0));

    [Fact]
    public void RetryBaseDelay_is_positive() =>
        Assert.StartsWith("Sinks:views:RetryBaseDelay", Single(o => o.RetryBaseDelay = TimeSpan.Zero));

    [Fact]
    public void MaxRetryDelay_is_not_below_the_base() =>
        Assert.StartsWith("Sinks:views:MaxRetryDelay", Single(o => o.MaxRetryDelay = TimeSpan.FromMilliseconds(10)));

    [Fact]
    public void ValidateConfiguration_names_the_sink() =>
        Assert.Contains("Kinesis sink 'views'", Assert.Throws<OrleansConfigurationException>(() =>
            new KinesisSinkOptionsValidator(new KinesisSinkOptions { Name = "views", StateName = "s" }).ValidateConfiguration()).Message);
}
