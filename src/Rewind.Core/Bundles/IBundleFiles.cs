namespace Rewind.Core.Bundles;

/// <summary>The files of a bundle, wherever they live (a directory or a zip), addressed by '/'-separated relative paths.</summary>
internal interface IBundleFiles : IDisposable
{
    /// <summary>Where the bundle was read from, for messages.</summary>
    string Origin { get; }

    IReadOnlyList<string> Paths { get; }

    Stream Open(string path);
}
