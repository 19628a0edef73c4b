namespace Rewind.Core.Authoring;

/// <summary>
/// What <c>rewind bundle make</c> is asked: the bundle that brings target <see cref="Target"/>'s managed state to
/// target <see cref="From"/>'s, for the selected layers, types and platform tables (all when null), written to
/// <see cref="Out"/> (a directory; a <c>.zip</c> file when <see cref="Zip"/>).
/// </summary>
public sealed record MakeRequest(string From, string Target, string Out)
{
    public IReadOnlyList<string>? Layers { get; init; }

    public IReadOnlyList<string>? Types { get; init; }

    public IReadOnlyList<string>? Tables { get; init; }

    /// <summary>The bundle's id; by default one naming both targets and the time.</summary>
    public string? Id { get; init; }

    public bool Zip { get; init; }
}
