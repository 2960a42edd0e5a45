using System.Net;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Tests.Support;
using Xunit;

namespace KinesisGrains.Tests;

public sealed class KinesisRetryTests
{
    private const string SummaryJson =
        """{"StreamDescriptionSummary":{"StreamName":"orders","StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/orders","StreamStatus":"ACTIVE","StreamCreationTimestamp":1795316682.194,"OpenShardCount":2,"RetentionPeriodHours":24}}""";

    [Fact]
    public async Task Retries_an_empty_500_then_succeeds()
    {
        using var handler = new StubHttpHandler((call, _) => call < 2
            ? StubHttpHandler.Empty(HttpStatusCode.InternalServerError)
            : StubHttpHandler.Json(HttpStatusCode.OK, SummaryJson));
        using var client = new KinesisClient(Options(maxAttempts: 3), handler);

        var summary = await client.DescribeStreamSummaryAsync("orders");

        Assert.Equal(3, handler.Calls);
        Assert.Equal(StreamStatus.Active, summary.StreamStatus);

        // Each attempt is a new, freshly signed request.
        Assert.All(handler.Requests, request => Assert.StartsWith("AWS4-HMAC-SHA256 Credential=", request.Headers["Authorization"]));
    }

    [Fact]
    public async Task Retries_InternalFailure_in_the_body_and_network_errors()
    {
        using var handler = new StubHttpHandler((call, _) => call switch
        {
            0 => throw new HttpRequestException(HttpRequestError.ResponseEnded, "connection reset"),
            1 => StubHttpHandler.Json(HttpStatusCode.BadRequest, """{"__type":"InternalFailure","message":"try again"}"""),
            _ => StubHttpHandler.Json(HttpStatusCode.OK, SummaryJson),
        });
        using var client = new KinesisClient(Options(maxAttempts: 3), handler);

        var summary = await client.DescribeStreamSummaryAsync("orders");

        Assert.Equal(3, handler.Calls);
        Assert.Equal(2, summary.OpenShardCount);
    }

    [Fact]
    public async Task Gives_up_after_MaxAttempts_with_the_last_service_error()
    {
        using var handler = new StubHttpHandler((_, _) => StubHttpHandler.Empty(HttpStatusCode.ServiceUnavailable));
        using var client = new KinesisClient(Options(maxAttempts: 4), handler);

        var exception = await Assert.ThrowsAsync<KinesisException>(() => client.DescribeStreamSummaryAsync("orders"));

        Assert.Equal(4, handler.Calls);
        Assert.Equal("InternalFailure", exception.ErrorCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, exception.StatusCode);
    }

    [Theory]
    [InlineData("ResourceNotFoundException")]
    [InlineData("ProvisionedThroughputExceededException")]
    [InlineData("ValidationException")]
    public async Task Does_not_retry_client_errors(string errorType)
    {
        using var handler = new StubHttpHandler((_, _) => StubHttpHandler.Json(HttpStatusCode.BadRequest, $$"""{"__type":"{{errorType}}"}"""));
        using var client = new KinesisClient(Options(maxAttempts: 5), handler);

        var exception = await Assert.ThrowsAnyAsync<KinesisException>(() => client.DescribeStreamSummaryAsync("orders"));

        Assert.Equal(1, handler.Calls);
        Assert.Equal(errorType, exception.ErrorCode);
    }

    [Fact]
    public void Backoff_has_full_jitter_under_an_exponential_cap()
    {
        var random = new Random(42);
        var baseDelay = TimeSpan.FromMilliseconds(100);
        var maxDelay = TimeSpan.FromSeconds(1);
        for (var retry = 1; retry <= 8; retry++)
        {
            var cap = TimeSpan.FromTicks(Math.Min(maxDelay.Ticks, baseDelay.Ticks << (retry - 1)));
            var delays = Enumerable.Range(0, 200).Select(_ => RetryBackoff.Delay(retry, baseDelay, maxDelay, random)).ToList();
            Assert.All(delays, delay => Assert.InRange(delay, TimeSpan.Zero, cap));

            // Jitter spreads the delays over the whole range instead of always waiting the cap.
            Assert.True(delays.Min() < cap / 4 && delays.Max() > cap * 3 / 4, $"retry {retry}: {delays.Min()}..{delays.Max()} for cap {cap}");
        }
    }

    private static KinesisClientOptions Options(int maxAttempts)
    {
        var options = TestOptions.For(new Uri("http://kinesis.test/"));
        options.MaxAttempts = maxAttempts;
        options.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
        return options;
    }
}
