using System.Net;
using System.Text;

namespace KinesisGrains.Tests.Support;

/// <summary>Answers requests from a script, recording what was sent; for tests of parsing, retries and signing only.</summary>
internal sealed class StubHttpHandler : HttpMessageHandler
{
    private readonly Func<int, CapturedRequest, HttpResponseMessage> _respond;
    private readonly List<CapturedRequest> _requests = [];

    public StubHttpHandler(Func<int, CapturedRequest, HttpResponseMessage> respond) => _respond = respond;

    public IReadOnlyList<CapturedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public int Calls => Requests.Count;

    public static HttpResponseMessage Json(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1") };

    public static HttpResponseMessage Empty(HttpStatusCode status) => new(status) { Content = new ByteArrayContent([]) };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var headers = request.Headers
            .Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .ToDictionary(header => header.Key, header => string.Join(",", header.Value), StringComparer.OrdinalIgnoreCase);
        var captured = new CapturedRequest(request.Method, request.RequestUri!, headers, body);
        int index;
        lock (_requests)
        {
            index = _requests.Count;
            _requests.Add(captured);
        }

        return _respond(index, captured);
    }
}

internal sealed record CapturedRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, string Body);
