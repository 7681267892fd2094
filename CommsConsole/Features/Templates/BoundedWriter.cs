using System.Globalization;
using System.Text;

namespace CommsConsole.Features.Templates;

/// <summary>Thrown by <see cref="BoundedWriter"/> when a render would exceed the output limit.</summary>
internal sealed class OutputLimitExceededException() : Exception("the rendered output is too long");

/// <summary>
/// A string writer with a hard size limit, reused per thread so a render allocates no writer or buffer of its own.
/// </summary>
internal sealed class BoundedWriter : TextWriter
{
    // Buffers grown by a long render are not kept, so one large render does not pin memory on a thread forever.
    private const int KeepCapacity = 16 * 1024;

    [ThreadStatic] private static BoundedWriter? _cached;

    private readonly StringBuilder _buffer = new(256);
    private int _limit;

    private BoundedWriter() : base(CultureInfo.InvariantCulture) { }

    public override Encoding Encoding => Encoding.Unicode;

    public static BoundedWriter Rent(int limit)
    {
        var writer = _cached ?? new BoundedWriter();
        _cached = null; // a nested render on the same thread gets its own writer
        writer._limit = limit;
        return writer;
    }

    public static void Return(BoundedWriter writer)
    {
        writer._buffer.Clear();
        if (writer._buffer.Capacity > KeepCapacity) writer._buffer.Capacity = KeepCapacity;
        _cached = writer;
    }

    public override void Write(char value)
    {
        Reserve(1);
        _buffer.Append(value);
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        Reserve(value.Length);
        _buffer.Append(value);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        Reserve(count);
        _buffer.Append(buffer, index, count);
    }

    public override void Write(ReadOnlySpan<char> buffer)
    {
        Reserve(buffer.Length);
        _buffer.Append(buffer);
    }

    public override string ToString() => _buffer.ToString();

    private void Reserve(int count)
    {
        if (_buffer.Length + (long)count > _limit) throw new OutputLimitExceededException();
    }
}
