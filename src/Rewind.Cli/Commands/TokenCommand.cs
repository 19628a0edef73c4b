using System.CommandLine;
using Rewind.Cli.Composition;
using Rewind.Cli.Rendering;
using Rewind.Core;
using Rewind.Core.Access;
using Rewind.Core.Audit;
using Rewind.Core.Configuration;
using Spectre.Console;

namespace Rewind.Cli.Commands;

/// <summary><c>rewind token create|list|revoke</c>: the API tokens of <c>rewind serve</c> (admin).</summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var command = new Command("token", "API tokens for rewind serve (admin role): create, list, revoke");
        command.Subcommands.Add(CreateToken());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Revoke());
        return command;
    }

    private static Command CreateToken()
    {
        var name = new Option<string>("--name") { Description = "Who the token is for: the identity the audit shows for its requests", Required = true };
        var role = new Option<string>("--role") { Description = $"One of {string.Join(", ", AccessRoles.All)}", Required = true };
        var command = new Command("create", "Make a token; it is printed once and only its SHA-256 is stored") { name, role };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var config = context.LoadConfig();
            var tokenName = ApiToken.ValidName(parse.GetValue(name)!);
            var tokenRole = AccessRoles.Parse(parse.GetValue(role)!);
            var log = RewindHost.OpenAuditLog(config.Store);
            await RequireAdminAsync(config, log, context.Who, "token-create", $"token {tokenName} ({tokenRole})", cancellationToken);

            var secret = TokenSecret.Generate();
            var now = DateTimeOffset.UtcNow;
            await RewindHost.OpenTokenStore(config.Store).CreateAsync(new ApiToken(tokenName, tokenRole, TokenSecret.Hash(secret), now, context.Who), cancellationToken);
            await log.AppendAsync(Entry(context.Who, "token-create", "succeeded", $"token {tokenName} with role {tokenRole}", now), cancellationToken);
            if (context.Json)
            {
                Output.WriteSecretOnce(new { token = secret, name = tokenName, role = tokenRole }, json: true);
            }
            else
            {
                Output.Line($"Token [bold]{Output.Esc(tokenName)}[/] ({tokenRole}). It is shown this once; only its hash is kept:");
                Output.WriteSecretOnce(secret, json: false);
            }

            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "The tokens: name, role, when and by whom made (never the secret)");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var tokens = await RewindHost.OpenTokenStore(context.LoadConfig().Store).ListAsync(cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new { tokens = tokens.Select(t => new { name = t.Name, role = t.Role, createdAt = t.CreatedAt, createdBy = t.CreatedBy }) });
                return 0;
            }

            var table = new Table().AddColumns("name", "role", "created", "by");
            foreach (var t in tokens)
            {
                table.AddRow(Output.Esc(t.Name), t.Role, Output.When(t.CreatedAt), Output.Esc(t.CreatedBy));
            }

            Terminal.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Revoke()
    {
        var name = new Option<string>("--name") { Description = "The token to revoke", Required = true };
        var command = new Command("revoke", "Revoke a token: its next request is answered 401") { name };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var config = context.LoadConfig();
            var tokenName = parse.GetValue(name)!;
            var log = RewindHost.OpenAuditLog(config.Store);
            await RequireAdminAsync(config, log, context.Who, "token-revoke", $"token {tokenName}", cancellationToken);
            if (!await RewindHost.OpenTokenStore(config.Store).RevokeAsync(tokenName, cancellationToken))
            {
                throw new BadInputException($"there is no token named '{tokenName}' (see: rewind token list)");
            }

            await log.AppendAsync(Entry(context.Who, "token-revoke", "succeeded", $"token {tokenName}", DateTimeOffset.UtcNow), cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new { revoked = tokenName });
            }
            else
            {
                Output.Line($"Token [bold]{Output.Esc(tokenName)}[/] revoked.");
            }

            return 0;
        });
        return command;
    }

    /// <summary>Tokens are an admin's business when roles are declared; a refusal is audited like any other.</summary>
    private static async Task RequireAdminAsync(RewindConfig config, IAuditLog log, string who, string operation, string what, CancellationToken cancellationToken)
    {
        // No engine here (tokens live beside the ledger, not in it): the same table and the same words as the engine's refusals.
        var permission = Permissions.ManageTokens;
        if (config.HasRole(who, permission.Role))
        {
            return;
        }

        var message = $"{who} may not {permission.Action} ({what}): it takes the {permission.Role} role, and {RewindConfig.FileName}'s roles: do not give it; nothing was changed";
        await log.AppendAsync(Entry(who, operation, "refused:not-authorized", message, DateTimeOffset.UtcNow), cancellationToken);
        throw new RefusedException("not-authorized", message);
    }

    private static AuditEntry Entry(string who, string operation, string outcome, string detail, DateTimeOffset at) => new()
    {
        At = at,
        Who = who,
        Operation = operation,
        StartedAt = at,
        EndedAt = at,
        Outcome = outcome,
        Detail = detail,
    };
}
