using System.Reflection;

namespace Rewind.Cli.Rendering;

/// <summary>
/// The sample bundles of the repository's <c>examples/bundles</c>, built into the executable so that
/// <c>rewind init --examples</c> gives a newcomer something to deploy wherever the tool was installed.
/// </summary>
internal static class SampleBundles
{
    private const string Prefix = "examples/bundles/";

    /// <summary>Writes every sample bundle under <paramref name="folder"/> (e.g. <c>bundles/2026.11.3</c>); returns their folder names.</summary>
    public static async Task<IReadOnlyList<string>> WriteAsync(string folder, CancellationToken cancellationToken)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var written = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var relative = name[Prefix.Length..];
            var path = Path.Combine(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using var source = assembly.GetManifestResourceStream(name)!;
            await using var target = File.Create(path);
            await source.CopyToAsync(target, cancellationToken);
            written.Add(relative.Split('/')[0]);
        }

        return [.. written];
    }
}
