namespace Rewind.Core.Engine;

/// <summary>Progress of a long operation: the step it is on and how many of the bundle's entries are done.</summary>
public readonly record struct OperationProgress(string Step, long Done, long Total);
