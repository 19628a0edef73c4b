namespace Rewind.Core.Targets;

/// <summary>A decoded tagged row value: <see cref="Real"/> for <see cref="TaggedKind.Real"/>, else <see cref="Bytes"/>.</summary>
public readonly record struct TaggedValue(TaggedKind Kind, double Real, byte[]? Bytes);
