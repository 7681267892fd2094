using System.Data.Common;

namespace CommsConsole.Features.Messaging;

/// <summary>Adds named parameters to a command, returning each so that a prepared command can be re-run with new values.</summary>
internal sealed class CommandParameters(DbCommand cmd)
{
    public DbParameter Set(string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = "@" + name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
        return p;
    }
}
