using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Rewind.Core.Access;
using Rewind.Tests.Support;

namespace Rewind.Tests.Server;

/// <summary>
/// A real <c>rewind serve</c> process on a free loopback port, in a test folder holding its <c>rewind.yaml</c>;
/// ready once <c>/health</c> answers. Killed (by its process id) when disposed.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http;

    private ServerProcess(Process process, string url)
    {
        _process = process;
        Url = url;
        _http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Url { get; }

    /// <summary>What the server printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The server's process id (to read its memory use from /proc).</summary>
    public int ProcessId => _process.Id;

    public static async Task<ServerProcess> StartAsync(string folder, IDictionary<string, string>? environment = null, IReadOnlyList<string>? arguments = null)
    {
        var url = $"http://127.0.0.1:{TestHttpServer.FreePort()}";
        var variables = CliRunner.As("server-host");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            variables[key] = value;
        }

        var server = new ServerProcess(CliRunner.Start(folder, variables, ["serve", "--urls", url, .. arguments ?? []]), url);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (server._process.HasExited)
            {
                throw new InvalidOperationException($"rewind serve exited with {server._process.ExitCode}:\n{server.Output}");
            }

            try
            {
                using var health = await server._http.GetAsync("/health");
                if (health.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        await server.DisposeAsync();
        throw new TimeoutException($"rewind serve did not answer /health within 60 s:\n{server.Output}");
    }

    /// <summary>Makes a token directly in the store (the CLI verb has its own test); returns the secret.</summary>
    public static async Task<string> CreateTokenAsync(ITokenStore store, string name, string role)
    {
        var secret = TokenSecret.Generate();
        await store.CreateAsync(new ApiToken(name, role, TokenSecret.Hash(secret), DateTimeOffset.UtcNow, "test"));
        return secret;
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? token) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path), token);

    public Task<HttpResponseMessage> PostJsonAsync(string path, string? token, string json, bool respondAsync = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (respondAsync)
        {
            request.Headers.Add("Prefer", "respond-async");
        }

        return SendAsync(request, token);
    }

    public Task<HttpResponseMessage> PostZipAsync(string path, string? token, string zipFile)
    {
        var content = new ByteArrayContent(File.ReadAllBytes(zipFile));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = content }, token);
    }

    public async Task<JsonElement> GetJsonAsync(string path, string token)
    {
        using var response = await GetAsync(path, token);
        return await JsonOf(response, expected: 200);
    }

    /// <summary>The body as JSON, after checking the status (the body is in the failure message).</summary>
    public static async Task<JsonElement> JsonOf(HttpResponseMessage response, int expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expected, $"expected {expected}, got {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>Sends any request, with the token if one is given.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string? token)
    {
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return _http.SendAsync(request);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
