using Amazon.Runtime;
using KinesisGrains.Aws;
using KinesisGrains.Testing;
using KinesisGrains.Testing.Sts;
using Xunit;

namespace KinesisGrains.Tests.Credentials;

/// <summary>An assumed role and a web identity against a local STS stand-in: what is asked, what signs, when it refreshes.</summary>
public sealed class AssumedRoleCredentialsTests
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/kgrains-reader";

    [Fact]
    public async Task A_role_is_assumed_with_the_section_keys_the_external_id_and_the_session_name_and_its_keys_sign()
    {
        await using var sts = await StsStandIn.StartAsync();
        var role = new AssumeRoleOptions { RoleArn = RoleArn, ExternalId = "partner-7", RoleSessionName = "silo-a", StsServiceUrl = sts.Endpoint };

        var credentials = AwsCredentialsResolver.Resolve("AKIDSOURCEKEY", "source-secret", null, role, "eu-west-1");
        var keys = await credentials!.GetCredentialsAsync();
        await credentials.GetCredentialsAsync();

        Assert.Equal((StsStandIn.AccessKeyIdOf(1), "stand-in-secret-1", "stand-in-token-1"), (keys.AccessKey, keys.SecretKey, keys.Token));
        var call = Assert.Single(sts.Requests);   // an hour's credentials: the second ask is served from them
        Assert.Equal(("AssumeRole", RoleArn, "partner-7", "silo-a", "3600"), (call.Action, call["RoleArn"], call["ExternalId"], call["RoleSessionName"], call["DurationSeconds"]));
        Assert.Equal("AKIDSOURCEKEY", call.SigningKeyId);
    }

    [Fact]
    public async Task Credentials_about_to_expire_are_replaced_before_they_are_used()
    {
        await using var sts = await StsStandIn.StartAsync();
        sts.CredentialLifetime = TimeSpan.FromMinutes(4);   // inside the five minutes before expiry when they are renewed
        var credentials = AwsCredentialsResolver.Resolve("AKIDSOURCEKEY", "source-secret", null, new AssumeRoleOptions { RoleArn = RoleArn, StsServiceUrl = sts.Endpoint }, "us-east-1");

        var first = await credentials!.GetCredentialsAsync();

        // Still valid, so they are handed out while new ones are fetched in the background.
        var second = await RenewedAsync(credentials, first);

        Assert.Equal(StsStandIn.AccessKeyIdOf(1), first.AccessKey);
        Assert.Equal(StsStandIn.AccessKeyIdOf(2), second.AccessKey);
        Assert.All(sts.Requests, r => Assert.Equal("kinesis-grains", r["RoleSessionName"]));
    }

    [Fact]
    public async Task A_web_identity_is_exchanged_unsigned_and_its_rotated_token_file_is_read_again_at_each_refresh()
    {
        await using var sts = await StsStandIn.StartAsync();
        sts.CredentialLifetime = TimeSpan.FromMinutes(4);
        using var folder = new TempDirectory();
        var tokenFile = Path.Combine(folder.Path, "token");
        await File.WriteAllTextAsync(tokenFile, "jwt-one\n");
        var role = new AssumeRoleOptions { RoleArn = RoleArn, WebIdentityTokenFile = tokenFile, StsServiceUrl = sts.Endpoint };

        // No keys: a pod on EKS has none, only the projected token.
        var credentials = AwsCredentialsResolver.Resolve(null, null, null, role, "us-east-1");
        var first = await credentials!.GetCredentialsAsync();
        await File.WriteAllTextAsync(tokenFile, "jwt-two");
        var renewed = await RenewedAsync(credentials, first);

        Assert.Equal(["jwt-one", "jwt-two"], sts.Requests.Select(r => r["WebIdentityToken"]).Take(2));
        Assert.All(sts.Requests, r => Assert.Equal(("AssumeRoleWithWebIdentity", (string?)null, RoleArn), (r.Action, r.SigningKeyId, r["RoleArn"])));
        Assert.Equal(StsStandIn.AccessKeyIdOf(2), renewed.AccessKey);
    }

    /// <summary>Asks until the credentials differ from <paramref name="old"/> (a background refresh landed), at most 10 s.</summary>
    private static async Task<ImmutableCredentials> RenewedAsync(AWSCredentials credentials, ImmutableCredentials old)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var current = await credentials.GetCredentialsAsync();
            if (current.AccessKey != old.AccessKey || DateTime.UtcNow > deadline)
            {
                return current;
            }

            await Task.Delay(20);
        }
    }

    [Fact]
    public void Without_a_role_the_keys_are_used_as_they_are_and_without_keys_the_client_keeps_its_own_default()
    {
        Assert.IsType<BasicAWSCredentials>(AwsCredentialsResolver.Resolve("AKID", "secret", null, new AssumeRoleOptions(), "us-east-1"));
        Assert.IsType<SessionAWSCredentials>(AwsCredentialsResolver.Resolve("AKID", "secret", "token", null, "us-east-1"));
        Assert.Null(AwsCredentialsResolver.Resolve(null, null, null, null, "us-east-1"));
    }

    [Fact]
    public void Bad_role_settings_are_refused_by_name()
    {
        var problems = AssumeRoleOptionsValidator.Problems(
            new AssumeRoleOptions { RoleArn = "kgrains-reader", RoleSessionName = "x", RoleDuration = TimeSpan.FromMinutes(5), WebIdentityTokenFile = "/nonexistent/token" }, "Kinesis").ToList();

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Kinesis:RoleArn must be an IAM role ARN", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Kinesis:RoleSessionName", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Kinesis:RoleDuration", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Kinesis:WebIdentityTokenFile", StringComparison.Ordinal));
        Assert.Equal(["DynamoDB:ExternalId, RoleSessionName and WebIdentityTokenFile need DynamoDB:RoleArn."],
            AssumeRoleOptionsValidator.Problems(new AssumeRoleOptions { ExternalId = "partner-7" }, "DynamoDB"));
    }
}
