using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Rewind.Core.Access;

namespace Rewind.Server.Access;

/// <summary>
/// Every endpoint but those marked anonymous (the health probe and the dashboard's static files) needs
/// <c>Authorization: Bearer TOKEN</c> naming a token in the control-plane store. Runs after routing, so it sees the
/// endpoint's metadata. A rejected request is logged by the token's absence or mismatch, never by its value, and is
/// not audited: anyone can send one, and the audit must not be floodable by strangers.
/// </summary>
internal sealed class TokenAuthentication(RequestDelegate next, ITokenStore tokens, ILogger<TokenAuthentication> logger)
{
    private const string Scheme = "Bearer ";

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            await next(context);
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || header.Length == Scheme.Length)
        {
            throw new UnauthenticatedException("this request needs a token: send Authorization: Bearer TOKEN (an admin makes one with: rewind token create --name NAME --role ROLE)");
        }

        var token = await tokens.FindByHashAsync(TokenSecret.Hash(header[Scheme.Length..].Trim()), context.RequestAborted);
        if (token is null)
        {
            logger.LogWarning("rejected a request to {Path} from {Remote}: unknown or revoked token", context.Request.Path, context.Connection.RemoteIpAddress);
            throw new UnauthenticatedException("the token is not valid (unknown or revoked): ask an admin for a new one");
        }

        new Caller(token.Name, token.Role).AttachTo(context);
        await next(context);
    }
}
