using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Tests.Support;
using Xunit;

namespace KinesisGrains.Tests;

public sealed class KinesisSigningTests
{
    private const string ExampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    [Fact]
    public async Task Requests_carry_SigV4_headers_and_the_target()
    {
        using var handler = new StubHttpHandler((_, _) => StubHttpHandler.Json(HttpStatusCode.OK, """{"Shards":[]}"""));
        var options = TestOptions.For(new Uri("http://127.0.0.1:4567/"));
        options.Region = "eu-west-1";
        using var client = new KinesisClient(options, handler);
        var before = DateTime.UtcNow.AddSeconds(-1);

        await client.ListShardsAsync("orders");

        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("Kinesis_20131202.ListShards", request.Headers["X-Amz-Target"]);
        Assert.Equal("application/x-amz-json-1.1", request.Headers["Content-Type"]);

        var amzDate = DateTime.ParseExact(request.Headers["X-Amz-Date"], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        Assert.InRange(amzDate, before.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));

        var authorization = request.Headers["Authorization"];
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=", authorization);
        Assert.Matches(
            new Regex($"^AWS4-HMAC-SHA256 Credential=AKIDTEST/{amzDate:yyyyMMdd}/eu-west-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{{64}}$"),
            authorization);
        Assert.DoesNotContain(handler.Requests.SelectMany(r => r.Headers.Values), value => value.Contains(TestOptions.SecretAccessKey));
    }

    [Fact]
    public void Signature_matches_an_independent_SigV4_computation()
    {
        // Expected signatures were computed with Python's hmac/hashlib for the same canonical request.
        var signed = Sign(new ImmutableCredentials("AKIDEXAMPLE", ExampleSecret, null));

        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/eu-west-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
            + "Signature=7c0a07ed21f7dcc2fc140e29f2438cc5b393d9de6aafadab5ced7c4953b8c3f3",
            signed.Headers.GetValues("Authorization").Single());
        Assert.Equal("20240102T030405Z", signed.Headers.GetValues("X-Amz-Date").Single());
        Assert.Equal("127.0.0.1:4567", signed.Headers.Host);
        Assert.False(signed.Headers.Contains("X-Amz-Security-Token"));
    }

    [Fact]
    public void Session_tokens_are_sent_and_signed()
    {
        var signed = Sign(new ImmutableCredentials("AKIDEXAMPLE", ExampleSecret, "SESSIONTOKEN/abc=="));

        Assert.Equal("SESSIONTOKEN/abc==", signed.Headers.GetValues("X-Amz-Security-Token").Single());
        Assert.EndsWith(
            "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=cb8dd0c489aa1d188bb30e5c6ba500c2eb25189a510d1cc33929bc892297eea6",
            signed.Headers.GetValues("Authorization").Single());
    }

    [Fact]
    public async Task Without_explicit_keys_the_default_AWS_credentials_chain_is_used()
    {
        // The chain reads the environment first; nothing else in these tests relies on these variables.
        using var _ = new EnvironmentVariables(("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRONMENT"), ("AWS_SECRET_ACCESS_KEY", "env-secret"), ("AWS_SESSION_TOKEN", null));
        using var handler = new StubHttpHandler((_, _) => StubHttpHandler.Json(HttpStatusCode.OK, """{"Shards":[]}"""));
        using var client = new KinesisClient(new KinesisClientOptions { ServiceUrl = new Uri("http://kinesis.test/") }, handler);

        await client.ListShardsAsync("orders");

        Assert.Contains("Credential=AKIDFROMENVIRONMENT/", handler.Requests.Single().Headers["Authorization"]);
    }

    private static HttpRequestMessage Sign(ImmutableCredentials credentials)
    {
        var body = Encoding.UTF8.GetBytes("""{"StreamName":"orders"}""");
        var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:4567/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.Add("X-Amz-Target", "Kinesis_20131202.DescribeStreamSummary");
        SigV4RequestSigner.Sign(request, body, credentials, "eu-west-1", new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        return request;
    }

    private sealed class EnvironmentVariables : IDisposable
    {
        private readonly (string Name, string? Value)[] _previous;

        public EnvironmentVariables(params (string Name, string? Value)[] values)
        {
            _previous = values.Select(v => (v.Name, Environment.GetEnvironmentVariable(v.Name))).ToArray();
            foreach (var (name, value) in values)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        public void Dispose()
        {
            foreach (var (name, value) in _previous)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
