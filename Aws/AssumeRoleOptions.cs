namespace KinesisGrains.Aws;

/// <summary>
/// The IAM role a client's credentials assume, set beside the section's other connection settings
/// (<c>Kinesis:RoleArn</c>, <c>DynamoDB:RoleArn</c>, <c>Snapshots:RoleArn</c>). The section's keys, or the default
/// chain without them, sign the AssumeRole call; with <see cref="WebIdentityTokenFile"/> the token file does instead.
/// </summary>
public sealed class AssumeRoleOptions
{
    /// <summary>The role to assume (<c>arn:aws:iam::123456789012:role/name</c>); null: no role, the section's own credentials.</summary>
    public string? RoleArn { get; set; }

    /// <summary>The external id the role's trust policy asks for (cross-account roles).</summary>
    public string? ExternalId { get; set; }

    /// <summary>The session name CloudTrail shows for the role's calls; default <c>kinesis-grains</c>.</summary>
    public string? RoleSessionName { get; set; }

    /// <summary>
    /// A web identity token (an OIDC JWT, as EKS mounts for IRSA) to assume the role with instead of keys; read again
    /// at every refresh, since it rotates. Without it and without keys, <c>AWS_ROLE_ARN</c> and
    /// <c>AWS_WEB_IDENTITY_TOKEN_FILE</c> in the environment work through the default chain.
    /// </summary>
    public string? WebIdentityTokenFile { get; set; }

    /// <summary>How long each set of role credentials lasts (STS allows 15 minutes to the role's maximum).</summary>
    public TimeSpan RoleDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The STS endpoint (a VPC endpoint, or a stand-in in tests); null: the regional endpoint of the client's region.</summary>
    public Uri? StsServiceUrl { get; set; }

    /// <summary>True when a role is set.</summary>
    public bool IsSet => !string.IsNullOrWhiteSpace(RoleArn);

    /// <summary>The session name sent to STS.</summary>
    public string SessionName => string.IsNullOrWhiteSpace(RoleSessionName) ? "kinesis-grains" : RoleSessionName;
}
