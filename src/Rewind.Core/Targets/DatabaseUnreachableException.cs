namespace Rewind.Core.Targets;

/// <summary>
/// A database that could not be reached (nothing listening, refused login, no such database): the operation failed
/// before it changed anything. The message names the database by host, port and name — never by its connection
/// string, which may hold a password — and, once known, the target it belongs to.
/// </summary>
public sealed class DatabaseUnreachableException : RewindException
{
    public DatabaseUnreachableException(string database, string problem, Exception? inner = null)
        : base($"cannot reach {database}: {problem}; nothing was changed", inner)
    {
        Database = database;
        Problem = problem;
    }

    /// <summary>Where it tried, in words: engine, host, port and database name.</summary>
    public string Database { get; }

    /// <summary>What went wrong, from the driver, without the connection string.</summary>
    public string Problem { get; }

    public override int ExitCode => 4;

    /// <summary>The same failure, naming the target whose database it is.</summary>
    public DatabaseUnreachableException ForTarget(string target) => new($"the database of target {target} ({Database})", Problem, InnerException);
}
