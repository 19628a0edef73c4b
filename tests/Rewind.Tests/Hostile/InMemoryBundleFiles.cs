using Rewind.Core.Bundles;

namespace Rewind.Tests.Hostile;

/// <summary>A bundle's files held in memory, so the mutation fuzz opens ten thousand bundles without touching the disk.</summary>
internal sealed class InMemoryBundleFiles(IReadOnlyDictionary<string, byte[]> files) : IBundleFiles
{
    public string Origin => "(memory)";

    public IReadOnlyList<string> Paths { get; } = files.Keys.Order(StringComparer.Ordinal).ToList();

    public Stream Open(string path) => new MemoryStream(files[path], writable: false);

    public void Dispose()
    {
    }
}
