namespace Rewind.Core;

/// <summary>
/// Root of every error Rewind reports to a user. Each carries the exit code of DESIGN.md so the CLI
/// and the server map failures in one place; the message says what happened and what to do next.
/// </summary>
public abstract class RewindException : Exception
{
    protected RewindException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>Process exit code: 2 bad input, 3 refused by a rule, 4 the operation failed.</summary>
    public abstract int ExitCode { get; }
}

/// <summary>Bad input or usage: unreadable bundle, unknown target, malformed config. Nothing was changed.</summary>
public class BadInputException : RewindException
{
    public BadInputException(string message, Exception? inner = null) : base(message, inner) { }

    public override int ExitCode => 2;
}

/// <summary>A bundle that cannot be read or is not valid; names the file and line where it can.</summary>
public sealed class BundleInvalidException : BadInputException
{
    public BundleInvalidException(string file, long line, string problem)
        : base(line > 0 ? $"{file}, line {line}: {problem}" : $"{file}: {problem}")
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    public string File { get; }

    public long Line { get; }

    public string Problem { get; }
}

/// <summary>Refused by a rule (off-train, not the newest, lock held, not authorized, ...). Nothing was changed.</summary>
public sealed class RefusedException : RewindException
{
    public RefusedException(string rule, string message) : base(message) => Rule = rule;

    /// <summary>A short machine-readable name of the rule that refused, e.g. <c>off-train</c>.</summary>
    public string Rule { get; }

    public override int ExitCode => 3;
}

/// <summary>The operation ran and failed (apply error, failed verification, failed rollback).</summary>
public sealed class OperationFailedException : RewindException
{
    public OperationFailedException(string message, Exception? inner = null) : base(message, inner) { }

    public override int ExitCode => 4;
}

/// <summary>
/// The operation's lock was broken while it ran (<c>rewind unlock</c> judged it hung), so it stopped where it was:
/// it writes nothing further that a new holder may own. The message says whether it had committed to the target;
/// <see cref="Exception.InnerException"/> is the failure it was recording when it found the lock gone, if any.
/// </summary>
public sealed class LockLostException(string message, Exception? inner = null) : RewindException(message, inner)
{
    public override int ExitCode => 4;
}
