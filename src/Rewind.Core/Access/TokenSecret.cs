using System.Security.Cryptography;
using System.Text;

namespace Rewind.Core.Access;

/// <summary>Makes token secrets and the hash they are stored and looked up by.</summary>
public static class TokenSecret
{
    /// <summary>The prefix makes a leaked token recognisable to secret scanners.</summary>
    public const string Prefix = "rwt_";

    /// <summary>A new secret: 256 random bits, URL-safe.</summary>
    public static string Generate() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// SHA-256 of the secret, hex. A fast hash is enough: the secret is 256 random bits, not a password, so there
    /// is nothing to brute-force, and a lookup by hash needs no constant-time comparison.
    /// </summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
