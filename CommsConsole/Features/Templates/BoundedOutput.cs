using System.Text;
using Scriban.Runtime;

namespace CommsConsole.Features.Templates;

/// <summary>
/// Where a render writes: refuses to grow past its limit, so a template that multiplies its output stops at the
/// limit instead of filling memory until the deadline is next checked. Scriban's own <c>LimitToString</c> cuts
/// the text and appends "..." instead, which would send a truncated message.
/// </summary>
internal sealed class BoundedOutput(int limit, string tooLong) : IScriptOutput
{
    // Buffers grown by a long render are not kept, so one large render does not pin memory on a thread.
    private const int KeepCapacity = 16 * 1024;

    private readonly StringBuilder _buffer = new(256);

    public int Length => _buffer.Length;

    public void Write(string text, int offset, int count)
    {
        if (_buffer.Length + (long)count > limit) throw new OutputLimitExceededException(tooLong);
        _buffer.Append(text, offset, count);
    }

    public ValueTask WriteAsync(string text, int offset, int count, CancellationToken cancellationToken)
    {
        Write(text, offset, count);
        return ValueTask.CompletedTask;
    }

    public void Clear()
    {
        _buffer.Clear();
        if (_buffer.Capacity > KeepCapacity) _buffer.Capacity = KeepCapacity;
    }

    public override string ToString() => _buffer.ToString();
}
