using System.Security.Cryptography;
using System.Text;

namespace Rewind.Core.Bundles;

/// <summary>
/// The content digest of a bundle: SHA-256 over one line per file, "&lt;sha256 of its bytes&gt; &lt;path&gt;", in
/// ordinal path order. The same files give the same digest whether zipped, unzipped or written by Rewind.
/// </summary>
public static class BundleDigest
{
    public const string Prefix = "sha256:";

    public static string Combine(IEnumerable<(string Path, string FileSha256)> files)
    {
        var text = new StringBuilder();
        foreach (var (path, sha) in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            text.Append(sha).Append(' ').Append(path).Append('\n');
        }

        return Prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The hex part of a digest, used as a folder name in the artifact store.</summary>
    public static string Hex(string digest) =>
        digest.StartsWith(Prefix, StringComparison.Ordinal) && digest.Length == Prefix.Length + 64
            ? digest[Prefix.Length..]
            : throw new BadInputException($"'{digest}' is not a bundle digest (sha256:<64 hex digits>)");
}
