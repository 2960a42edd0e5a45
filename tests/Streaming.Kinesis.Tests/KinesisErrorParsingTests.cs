using System.Net;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Tests.Support;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>Error responses through the client, answered by a stub handler (pure parsing, no emulator).</summary>
public sealed class KinesisErrorParsingTests
{
    [Theory]
    [InlineData("com.amazonaws.kinesis.v20131202#ResourceNotFoundException", "ResourceNotFoundException")]
    [InlineData("ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/", "ValidationException")]
    [InlineData("aws.protocoltests#InvalidArgumentException:http://internal.amazon.com/", "InvalidArgumentException")]
    [InlineData("LimitExceededException,Other", "LimitExceededException")]
    [InlineData("ExpiredIteratorException", "ExpiredIteratorException")]
    [InlineData("  ", null)]
    [InlineData(null, null)]
    public void SanitizeCode_strips_namespaces_and_suffixes(string? raw, string? expected)
    {
        Assert.Equal(expected, KinesisErrorParser.SanitizeCode(raw));
    }

    [Theory]
    [InlineData("ResourceNotFoundException", typeof(KinesisResourceNotFoundException))]
    [InlineData("ProvisionedThroughputExceededException", typeof(KinesisProvisionedThroughputExceededException))]
    [InlineData("ExpiredIteratorException", typeof(KinesisExpiredIteratorException))]
    [InlineData("InvalidArgumentException", typeof(KinesisInvalidArgumentException))]
    [InlineData("ValidationException", typeof(KinesisInvalidArgumentException))]
    [InlineData("LimitExceededException", typeof(KinesisLimitExceededException))]
    [InlineData("ResourceInUseException", typeof(KinesisResourceInUseException))]
    [InlineData("ExpiredNextTokenException", typeof(KinesisExpiredNextTokenException))]
    [InlineData("KMSAccessDeniedException", typeof(KinesisException))]
    public async Task Error_types_map_to_typed_exceptions(string errorType, Type expectedType)
    {
        var exception = await CallWithErrorAsync(HttpStatusCode.BadRequest, $$"""{"__type":"{{errorType}}","message":"details here"}""");
        Assert.IsType(expectedType, exception, exactMatch: true);
        Assert.Equal(errorType, exception.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, exception.StatusCode);
        Assert.Equal("details here", exception.ServiceMessage);
    }

    [Fact]
    public async Task Namespaced_type_with_lower_case_message()
    {
        var exception = await CallWithErrorAsync(
            HttpStatusCode.BadRequest,
            """{"__type":"com.amazonaws.kinesis.v20131202#ResourceNotFoundException","message":"Stream orders under account 000000000000 not found."}""");

        var notFound = Assert.IsType<KinesisResourceNotFoundException>(exception);
        Assert.Equal("ResourceNotFoundException", notFound.ErrorCode);
        Assert.Equal("DescribeStreamSummary", notFound.Operation);
        Assert.Contains("DescribeStreamSummary", notFound.Message);
        Assert.Contains("Stream orders under account 000000000000 not found.", notFound.Message);
    }

    [Fact]
    public async Task Coral_style_type_with_upper_case_Message()
    {
        var exception = await CallWithErrorAsync(
            HttpStatusCode.BadRequest,
            """{"__type":"ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/","Message":"1 validation error detected"}""");

        var invalid = Assert.IsType<KinesisInvalidArgumentException>(exception);
        Assert.Equal("ValidationException", invalid.ErrorCode);
        Assert.Equal("1 validation error detected", invalid.ServiceMessage);
    }

    [Fact]
    public async Task ErrorType_header_wins_over_the_body_and_request_id_is_kept()
    {
        var response = StubHttpHandler.Json(HttpStatusCode.BadRequest, """{"__type":"SomethingElse","message":"busy"}""");
        response.Headers.Add("x-amzn-ErrorType", "ResourceInUseException:http://internal.amazon.com/");
        response.Headers.Add("x-amzn-RequestId", "req-123");

        var exception = await CallAsync(response);

        Assert.IsType<KinesisResourceInUseException>(exception);
        Assert.Equal("req-123", exception.RequestId);
    }

    [Fact]
    public async Task Empty_500_is_InternalFailure()
    {
        var exception = await CallAsync(StubHttpHandler.Empty(HttpStatusCode.InternalServerError));

        Assert.IsType<KinesisException>(exception, exactMatch: true);
        Assert.Equal("InternalFailure", exception.ErrorCode);
        Assert.Equal(HttpStatusCode.InternalServerError, exception.StatusCode);
        Assert.Null(exception.ServiceMessage);
        Assert.Contains("InternalFailure (HTTP 500)", exception.Message);
    }

    [Fact]
    public async Task Non_json_bodies_fall_back_to_the_status()
    {
        var badGateway = await CallAsync(new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>bad gateway</html>") });
        Assert.Equal("InternalFailure", badGateway.ErrorCode);

        // kinesalite's answer to a body over 7 MiB.
        var tooLarge = await CallAsync(StubHttpHandler.Empty(HttpStatusCode.RequestEntityTooLarge));
        Assert.Equal("Http413", tooLarge.ErrorCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
    }

    [Fact]
    public async Task A_success_with_an_unreadable_body_is_an_InvalidResponse()
    {
        var exception = await CallAsync(StubHttpHandler.Json(HttpStatusCode.OK, "{not json"));
        Assert.Equal("InvalidResponse", exception.ErrorCode);
    }

    private static Task<KinesisException> CallWithErrorAsync(HttpStatusCode status, string body) =>
        CallAsync(StubHttpHandler.Json(status, body));

    private static async Task<KinesisException> CallAsync(HttpResponseMessage response)
    {
        using var handler = new StubHttpHandler((_, _) => response);
        var options = TestOptions.For(new Uri("http://kinesis.test/"));
        options.MaxAttempts = 1;
        using var client = new KinesisClient(options, handler);
        return await Assert.ThrowsAnyAsync<KinesisException>(() => client.DescribeStreamSummaryAsync("orders"));
    }
}
