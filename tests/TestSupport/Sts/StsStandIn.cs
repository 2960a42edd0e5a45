using System.Net;
using System.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KinesisGrains.Testing.Sts;

/// <summary>
/// A local stand-in for AWS STS on 127.0.0.1: answers AssumeRole and AssumeRoleWithWebIdentity (the query protocol, XML
/// responses) with numbered temporary credentials that expire after <see cref="CredentialLifetime"/>, and records each
/// call. No emulator of ours speaks STS, and a role's wiring is only proven by the calls it makes.
/// </summary>
public sealed class StsStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly List<StsRequest> _requests = [];
    private Uri? _endpoint;

    private StsStandIn()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            options.AddServerHeader = false;
        });
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(2));
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    /// <summary>Where an STS client should send its calls.</summary>
    public Uri Endpoint => _endpoint ?? throw new InvalidOperationException("The STS stand-in has not started.");

    /// <summary>How long the credentials of the next answers last.</summary>
    public TimeSpan CredentialLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The calls answered so far, in order.</summary>
    public IReadOnlyList<StsRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The access key id of the <paramref name="n"/>-th credentials handed out (1-based).</summary>
    public static string AccessKeyIdOf(int n) => $"ASIASTANDIN{n:D9}";

    public static async Task<StsStandIn> StartAsync()
    {
        var sts = new StsStandIn();
        await sts._app.StartAsync();
        var addresses = sts._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
        sts._endpoint = new Uri(addresses.Addresses.Single());
        return sts;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        var parameters = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        var authorization = context.Request.Headers.Authorization.ToString();
        var signedBy = authorization.Split("Credential=", 2) is [_, var rest] ? rest.Split('/', 2)[0] : null;
        int number;
        lock (_lock)
        {
            _requests.Add(new StsRequest(parameters, signedBy));
            number = _requests.Count;
        }

        var action = parameters.GetValueOrDefault("Action");
        if (action is not ("AssumeRole" or "AssumeRoleWithWebIdentity"))
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync($"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>{SecurityElement.Escape(action)}</Message></Error></ErrorResponse>");
            return;
        }

        var expiration = DateTime.UtcNow.Add(CredentialLifetime).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var session = SecurityElement.Escape(parameters.GetValueOrDefault("RoleSessionName") ?? "");
        context.Response.ContentType = "text/xml";
        await context.Response.WriteAsync(
            $"""
            <{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <{action}Result>
                <AssumedRoleUser>
                  <Arn>arn:aws:sts::123456789012:assumed-role/stand-in/{session}</Arn>
                  <AssumedRoleId>AROASTANDIN:{session}</AssumedRoleId>
                </AssumedRoleUser>
                <Credentials>
                  <AccessKeyId>{AccessKeyIdOf(number)}</AccessKeyId>
                  <SecretAccessKey>stand-in-secret-{number}</SecretAccessKey>
                  <SessionToken>stand-in-token-{number}</SessionToken>
                  <Expiration>{expiration}</Expiration>
                </Credentials>
              </{action}Result>
              <ResponseMetadata><RequestId>stand-in-{number}</RequestId></ResponseMetadata>
            </{action}Response>
            """);
    }
}
