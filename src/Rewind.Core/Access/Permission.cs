namespace Rewind.Core.Access;

/// <summary>What an operation takes: the role (<see cref="AccessRoles"/>) and the words a refusal says it with.</summary>
public sealed record Permission(string Operation, string Role, string Action);

/// <summary>
/// Every operation that changes something, with the role it takes: the one table the engine and the server's
/// endpoints both read, so the CLI and the API cannot disagree about who may do what.
/// </summary>
public static class Permissions
{
    public static Permission Deploy { get; } = new("deploy", AccessRoles.Deployer, "deploy");

    public static Permission DeployGroup { get; } = new("deploy-group", AccessRoles.Deployer, "deploy to a group");

    public static Permission Rehearse { get; } = new("rehearse", AccessRoles.Deployer, "rehearse a deploy (it copies the target's tables)");

    public static Permission Realign { get; } = new("realign", AccessRoles.TrainAdmin, "realign a target");

    public static Permission Rollback { get; } = new("rollback", AccessRoles.Operator, "roll back");

    public static Permission RollbackGroup { get; } = new("rollback-group", AccessRoles.Operator, "roll back a group");

    public static Permission Recover { get; } = new("recover", AccessRoles.Operator, "recover a target");

    public static Permission Ack { get; } = new("ack", AccessRoles.Operator, "acknowledge an over-budget rollback");

    public static Permission Clear { get; } = new("clear", AccessRoles.TrainAdmin, "clear a hold");

    public static Permission QuarantinePurge { get; } = new("quarantine-purge", AccessRoles.TrainAdmin, "purge quarantined tables");

    public static Permission Unfreeze { get; } = new("unfreeze", AccessRoles.Admin, "unfreeze a target");

    public static Permission Unlock { get; } = new("unlock", AccessRoles.Admin, "break a lock");

    public static Permission ManageTokens { get; } = new("token", AccessRoles.Admin, "manage API tokens");

    public static Permission CollectGarbage { get; } = new("gc", AccessRoles.Admin, "collect garbage (delete stored bundles)");
}
