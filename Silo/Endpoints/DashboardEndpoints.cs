using System.Reflection;
using Orleans.Dashboard;

namespace KinesisGrains.Silo.Endpoints;

/// <summary>
/// The silo's dashboards on its HTTP URL: Orleans' own at <c>/dashboard</c> (grains, silos, calls) and our streaming
/// page at <c>/dashboard/streaming/</c> (shards, lag, rates, state, checkpoints), a static page embedded in this
/// assembly that polls <c>/status</c> every second.
/// </summary>
public static class DashboardEndpoints
{
    public const string OrleansDashboardPath = "/dashboard";
    public const string StreamingPagePath = "/dashboard/streaming/";

    private const string ResourcePrefix = "KinesisGrains.Silo.wwwroot.streaming.";

    private static readonly Dictionary<string, string> s_contentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    public static IEndpointRouteBuilder MapDashboards(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOrleansDashboard(OrleansDashboardPath);

        // Routing ignores a trailing slash, the page's relative links (its script, ../../status) need it.
        endpoints.MapGet(StreamingPagePath, (HttpRequest request) => request.Path.Value!.EndsWith('/')
            ? Asset("index.html")
            : Results.Redirect(request.PathBase + StreamingPagePath + request.QueryString));
        endpoints.MapGet(StreamingPagePath + "{file}", (string file) => Asset(file));
        endpoints.MapGet("/", () => Results.Redirect(StreamingPagePath));
        return endpoints;
    }

    private static IResult Asset(string file)
    {
        var extension = Path.GetExtension(file);
        if (!s_contentTypes.TryGetValue(extension, out var contentType)
            || typeof(DashboardEndpoints).Assembly.GetManifestResourceStream(ResourcePrefix + file) is not { } stream)
        {
            return Results.NotFound();
        }

        return Results.Stream(stream, contentType);
    }

    /// <summary>The names of the embedded page's files, for tests.</summary>
    internal static IEnumerable<string> AssetNames() =>
        typeof(DashboardEndpoints).Assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Select(n => n[ResourcePrefix.Length..]);
}
