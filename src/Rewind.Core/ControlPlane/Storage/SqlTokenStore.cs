using Rewind.Core.Access;

namespace Rewind.Core.ControlPlane.Storage;

/// <summary>The API tokens' SQL on one engine; <see cref="SqlTokenStore"/> runs it. Reads return name, role, hash, created_at, created_by.</summary>
/// <param name="Insert"><c>name</c>, <c>role</c>, <c>hash</c>, <c>created_at</c>, <c>created_by</c>; inserts nothing if the name is taken.</param>
/// <param name="SelectByHash"><c>hash</c>.</param>
/// <param name="SelectAll">Ordered by name.</param>
/// <param name="Delete"><c>name</c>.</param>
public sealed record TokenStatements(string Insert, string SelectByHash, string SelectAll, string Delete);

/// <summary>API tokens, by the SHA-256 of their secret, in the control-plane store: written once; an adapter derives from it and supplies the statements.</summary>
public abstract class SqlTokenStore(IStoreDatabase database, TokenStatements sql, SchemaGate schema) : ITokenStore
{
    public async Task CreateAsync(ApiToken token, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(sql.Insert, cancellationToken,
            ("name", token.Name), ("role", token.Role), ("hash", token.Hash), ("created_at", token.CreatedAt.ToUniversalTime()), ("created_by", token.CreatedBy));
        if (inserted == 0)
        {
            throw new BadInputException($"a token named '{token.Name}' exists already: revoke it first (rewind token revoke --name {token.Name}) or choose another name");
        }
    }

    public async Task<ApiToken?> FindByHashAsync(string hash, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QueryAsync(sql.SelectByHash, Read, cancellationToken, ("hash", hash))).SingleOrDefault();
    }

    public async Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.QueryAsync(sql.SelectAll, Read, cancellationToken);
    }

    public async Task<bool> RevokeAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(sql.Delete, cancellationToken, ("name", name)) > 0;
    }

    private async Task<IStoreConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await schema.EnsureAsync(cancellationToken);
        return await database.OpenAsync(cancellationToken);
    }

    private static ApiToken Read(IStoreRow row) => new(row.Text(0), row.Text(1), row.Text(2), row.Time(3).ToUniversalTime(), row.Text(4));
}
