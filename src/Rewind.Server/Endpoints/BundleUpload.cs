using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Rewind.Core;
using Rewind.Core.Bundles;

namespace Rewind.Server.Endpoints;

/// <summary>
/// Receives an uploaded bundle zip: streamed to a uniquely named file (mode 0600) in the server's private upload
/// folder, hashed as it arrives, and held to the bundle limits (413 past them). Nothing of an upload that fails or
/// is aborted half way stays behind.
/// </summary>
internal sealed class BundleUpload(string folder, BundleLimits limits, ILogger<BundleUpload> logger)
{
    /// <summary>The private folder uploads are written to (see <see cref="Core.Artifacts.PrivateDirectory"/>).</summary>
    public string Folder => folder;

    /// <summary>
    /// The largest upload: a zip holds at most <c>maxUnpackedBytes</c> of content (a stored entry is no larger
    /// zipped) plus its headers, a few hundred bytes per entry at most.
    /// </summary>
    public long MaxBytes => limits.MaxUnpackedBytes > long.MaxValue / 2 ? long.MaxValue : limits.MaxUnpackedBytes + (limits.MaxEntries * 1024L);

    /// <summary>Streams the request body to a new file and returns its path; the caller deletes it when done.</summary>
    public async Task<string> ReceiveAsync(HttpContext http, CancellationToken cancellationToken)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxBytes;
        }

        var path = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".zip");
        try
        {
            long total = 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16, Options = FileOptions.Asynchronous };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var file = new FileStream(path, options))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await http.Request.Body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    total += read;
                }
            }

            if (total == 0)
            {
                throw new BadInputException("the request has no body: send a bundle .zip (Content-Type: application/zip), or JSON {\"path\": ...}");
            }

            logger.LogInformation("received a bundle upload of {Bytes} bytes, sha256 {Sha256}", total, Convert.ToHexStringLower(hash.GetHashAndReset()));
            return path;
        }
        catch
        {
            // Refused, too large, or the client went away: the partial file goes.
            Delete(path);
            throw;
        }
    }

    public static void Delete(string? path)
    {
        if (path is not null && File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
