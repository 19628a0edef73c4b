using Rewind.Core.Outcomes;

namespace Rewind.Cli.Rendering;

/// <summary>
/// The one map from what an operation came to onto the exit codes of DESIGN.md: 0 done, 4 failed or frozen.
/// Bad input (2) and refusals (3) are exceptions and carry their own (<see cref="Rewind.Core.RewindException.ExitCode"/>).
/// </summary>
internal static class ExitCodes
{
    public const int Done = 0;
    public const int Failed = 4;

    public static int Of(IOperationResult result) => result.Outcome == OperationOutcome.Done ? Done : Failed;

    public static int Of(bool done) => done ? Done : Failed;
}
