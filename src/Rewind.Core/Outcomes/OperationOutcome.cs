namespace Rewind.Core.Outcomes;

/// <summary>
/// What an operation that ran came to (a refusal is an exception: nothing ran). Closed: the shells map it once,
/// the CLI to its exit code and the server to its answer.
/// </summary>
public enum OperationOutcome
{
    /// <summary>It did what was asked and verified.</summary>
    Done,

    /// <summary>It failed at a step: the result says which and whether anything was committed.</summary>
    Failed,

    /// <summary>A rollback did not verify: the target is frozen until a person decides.</summary>
    Frozen,
}

/// <summary>The result of an operation that ran: its outcome and, unless done, the sentence that explains it.</summary>
public interface IOperationResult
{
    OperationOutcome Outcome { get; }

    /// <summary>Why it is not done, in one sentence for the operator; null when done.</summary>
    string? Explanation { get; }
}
