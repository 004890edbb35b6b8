using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace DreamTime.Server.Security;

/// <summary>
/// Who may use the app. On a loopback host only loopback Host names are answered (a web page elsewhere cannot reach
/// the app by renaming itself). With a token (required on any other host) every request carries it: in a header,
/// or in the cookie that opening the printed address once sets. A request that changes state (a POST) must come
/// from the app's own page (its Origin) or carry the token in its header, so another site cannot start or cancel runs.
/// </summary>
public sealed class AccessGuard(ServeSettings settings)
{
    public const string HeaderName = "X-DreamTime-Token";
    public const string CookieName = "dreamtime_token";

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (settings.IsLoopback && !IsLoopbackName(request.Host.Host))
        {
            await Refuse(context, 400, $"host {request.Host.Host}: this app answers only on the loopback address");
            return;
        }
        bool headerToken = Matches(request.Headers[HeaderName]);
        if (settings.Token != null)
        {
            if (HttpMethods.IsGet(request.Method) && request.Path == "/" && Matches(request.Query["token"]))
            {
                context.Response.Cookies.Append(CookieName, settings.Token, new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    IsEssential = true,
                    Path = "/",
                });
                context.Response.Redirect("/");
                return;
            }
            if (!headerToken && !Matches(request.Cookies[CookieName]))
            {
                await Refuse(context, 401, "this app needs the access token that `dreamtime serve` printed (open its address once, " +
                                           $"or send the {HeaderName} header)");
                return;
            }
        }
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !headerToken && !SameOrigin(request))
        {
            await Refuse(context, 403, $"a request that changes state must come from this app's page or carry the {HeaderName} header");
            return;
        }
        await next(context);
    }

    private static bool IsLoopbackName(string host) => host is "127.0.0.1" or "localhost" or "[::1]" or "::1";

    private bool Matches(string? given) => settings.Token != null && given != null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(settings.Token));

    private static bool SameOrigin(HttpRequest request)
    {
        string origin = request.Headers.Origin.ToString();
        return origin.Length > 0 && origin == $"{request.Scheme}://{request.Host}";
    }

    private static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = message });
    }

    /// <summary>A token for a server that must have one: 128 random bits, URL-safe.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
