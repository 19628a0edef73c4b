using CsCheck;
using Rewind.Core;
using Rewind.Core.Artifacts;
using Rewind.Core.Bundles;
using Rewind.Tests.Support;

namespace Rewind.Tests.Integrity;

/// <summary>A digest given on the command line is parsed strictly (sha256: and 64 lowercase hex digits) and never used as a path.</summary>
public sealed class DigestArgumentTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("inspect")]
    [InlineData("export")]
    public async Task A_digest_that_climbs_out_of_the_store_is_refused_as_bad_input(string subcommand)
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), "store: sqlite:rewind.db\ntargets:\n  env1:\n    database: sqlite:env1.db\n");
        // 64 characters that lead from <artifacts>/bundles to a bundle folder beside rewind.yaml.
        var name = "outside" + new string('x', 64 - "../../../".Length - "outside".Length);
        new BundleBuilder("outside").Upsert("platform", "rule", "k", "1").WriteTo(_folder.Combine(name));
        var digest = "sha256:../../../" + name;
        Assert.Equal(64 + BundleDigest.Prefix.Length, digest.Length);

        var result = subcommand == "inspect"
            ? await CliRunner.RunAsync(_folder.Path, "bundle", "inspect", digest, "--json")
            : await CliRunner.RunAsync(_folder.Path, "bundle", "export", digest, "--to", _folder.Combine("exported"), "--json");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("is not a bundle digest: a digest is sha256: followed by 64 lowercase hex digits", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder.Combine("exported")));
    }

    [Fact]
    public void Only_sha256_and_64_lowercase_hex_digits_is_a_digest_and_its_path_stays_in_the_store()
    {
        var store = new ArtifactStore(_folder.Combine("artifacts"));
        var bundles = Path.Combine(store.Root, "bundles") + Path.DirectorySeparatorChar;
        var hex = Gen.Char["0123456789abcdef"].Array[64].Select(c => new string(c));
        var near = Gen.OneOf(
            Gen.String,
            Gen.Char["0123456789abcdefABCDEF./\\:g \0"].Array[60, 68].Select(c => "sha256:" + new string(c)),
            hex.Select(h => "SHA256:" + h),
            hex.Select(h => "sha256:" + h.ToUpperInvariant()),
            hex.Select(h => "sha256:" + h + "\n"));

        hex.Sample(h => Assert.Equal(bundles + h, store.PathOf("sha256:" + h)));
        near.Sample(text =>
        {
            var strict = text.Length == 71 && text.StartsWith("sha256:", StringComparison.Ordinal) && text[7..].All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
            if (strict)
            {
                Assert.StartsWith(bundles, store.PathOf(text), StringComparison.Ordinal);
            }
            else
            {
                Assert.Throws<BadInputException>(() => store.PathOf(text));
            }
        });
    }
}
