namespace DreamTime.Server.Security;

/// <summary>An upload the server will not take, with the HTTP status that says why (413 too large, 415 not a picture).</summary>
public sealed class UploadRefusedException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
