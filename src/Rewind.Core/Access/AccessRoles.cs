namespace Rewind.Core.Access;

/// <summary>
/// The roles an API token carries. Every role may read; <c>admin</c> implies every other role. The others do
/// not imply each other: a pipeline's deployer token cannot roll back, an operator's cannot lift a hold.
/// </summary>
public static class AccessRoles
{
    public const string Viewer = "viewer";
    public const string Deployer = "deployer";
    public const string Operator = "operator";
    public const string TrainAdmin = "train-admin";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Viewer, Deployer, Operator, TrainAdmin, Admin];

    /// <summary>True when a token with role <paramref name="held"/> may do what takes <paramref name="needed"/>.</summary>
    public static bool Grants(string held, string needed) =>
        held == Admin || held == needed || needed == Viewer;

    /// <summary>Validates a role name given at the edge (the CLI), with the list of valid ones in the message.</summary>
    public static string Parse(string role) =>
        All.Contains(role, StringComparer.Ordinal)
            ? role
            : throw new BadInputException($"unknown role '{role}': the roles are {string.Join(", ", All)}");
}
