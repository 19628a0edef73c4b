namespace Rewind.Core.Targets;

/// <summary>What a tagged row value carries: see <see cref="RowJson"/>.</summary>
public enum TaggedKind
{
    /// <summary>A blob (<see cref="RowJson.BlobProperty"/>).</summary>
    Blob,

    /// <summary>A non-finite real (<see cref="RowJson.RealProperty"/>).</summary>
    Real,

    /// <summary>Text given as its bytes, which need not be valid UTF-8 (<see cref="RowJson.TextBytesProperty"/>).</summary>
    TextBytes,
}
