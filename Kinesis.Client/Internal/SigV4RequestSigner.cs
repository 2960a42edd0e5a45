using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace KinesisGrains.Kinesis.Client;

/// <summary>
/// Signs a JSON 1.1 POST with SigV4. The canonical request of such a call is fixed in shape (no query, five
/// headers at most), so it is built here; the string to sign, key derivation and the Authorization value come
/// from AWSSDK.Core's <see cref="AWS4Signer.ComputeSignature(ImmutableCredentials, string, DateTime, string, string, string)"/>.
/// </summary>
internal static class SigV4RequestSigner
{
    public const string ServiceName = "kinesis";
    public const string AmzDateHeader = "X-Amz-Date";
    public const string SecurityTokenHeader = "X-Amz-Security-Token";
    public const string TargetHeader = "X-Amz-Target";

    /// <summary>Adds Host, X-Amz-Date, X-Amz-Security-Token (with session credentials) and Authorization.</summary>
    /// <remarks>The request must carry its X-Amz-Target header and a Content-Type already.</remarks>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, ImmutableCredentials credentials, string region, DateTime signedAtUtc)
    {
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var contentType = request.Content?.Headers.ContentType?.ToString()
            ?? throw new ArgumentException("The request has no Content-Type.", nameof(request));
        var target = request.Headers.TryGetValues(TargetHeader, out var targets) ? targets.Single() : throw new ArgumentException("The request has no X-Amz-Target.", nameof(request));

        signedAtUtc = signedAtUtc.ToUniversalTime();
        var amzDate = signedAtUtc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

        // Sign exactly the Host value HttpClient sends: host, plus the port unless it is the scheme's default.
        var host = uri.IsDefaultPort ? uri.IdnHost : uri.IdnHost + ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
        if (uri.HostNameType == UriHostNameType.IPv6)
        {
            host = uri.Authority;
        }

        request.Headers.Host = host;
        request.Headers.Remove(AmzDateHeader);
        request.Headers.Add(AmzDateHeader, amzDate);
        request.Headers.Remove(SecurityTokenHeader);
        if (credentials.UseToken)
        {
            request.Headers.TryAddWithoutValidation(SecurityTokenHeader, credentials.Token);
        }

        // Canonical headers: lower-case names in ordinal order, trimmed values.
        var headers = new StringBuilder(256)
            .Append("content-type:").Append(contentType.Trim()).Append('\n')
            .Append("host:").Append(host).Append('\n')
            .Append("x-amz-date:").Append(amzDate).Append('\n');
        var signedHeaders = "content-type;host;x-amz-date;";
        if (credentials.UseToken)
        {
            headers.Append("x-amz-security-token:").Append(credentials.Token.Trim()).Append('\n');
            signedHeaders += "x-amz-security-token;";
        }

        headers.Append("x-amz-target:").Append(target.Trim()).Append('\n');
        signedHeaders += "x-amz-target";

        var path = string.IsNullOrEmpty(uri.AbsolutePath) ? "/" : uri.AbsolutePath;
        var canonicalRequest = string.Concat(
            request.Method.Method, "\n",
            path, "\n",
            uri.Query.TrimStart('?'), "\n",
            headers.ToString(), "\n",
            signedHeaders, "\n",
            HashHex(body));

        var result = AWS4Signer.ComputeSignature(credentials, region, signedAtUtc, ServiceName, signedHeaders, canonicalRequest);
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
    }

    private static string HashHex(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        return Convert.ToHexStringLower(hash);
    }
}
