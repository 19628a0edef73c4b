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

    /// <summary>True when <paramref name="text"/> is exactly <c>sha256:</c> and 64 lowercase hex digits, as Rewind writes digests.</summary>
    public static bool IsValid(string? text) =>
        text is not null && text.Length == Prefix.Length + 64 && text.StartsWith(Prefix, StringComparison.Ordinal)
        && text.AsSpan(Prefix.Length).IndexOfAnyExcept("0123456789abcdef") < 0;

    /// <summary>
    /// The hex part of a digest, used as a folder name in the artifact store. Parsed strictly, so that text given
    /// as a digest can never name a path (<c>sha256:../..</c>) inside or outside the store.
    /// </summary>
    public static string Hex(string digest) =>
        IsValid(digest)
            ? digest[Prefix.Length..]
            : throw new BadInputException($"'{(digest.Length > 80 ? digest[..80] + "..." : digest)}' is not a bundle digest: a digest is sha256: followed by 64 lowercase hex digits (see rewind history --json)");
}
