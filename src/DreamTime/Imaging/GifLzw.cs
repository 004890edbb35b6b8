namespace DreamTime.Imaging;

/// <summary>
/// The variable-width LZW coder of GIF image data: codes grow from minCodeSize+1 to 12 bits, packed
/// least-significant bit first; when all 4096 codes are used a clear code restarts the dictionary.
/// </summary>
internal sealed class GifLzw
{
    private const int MaxCodes = 4096, TableSize = 8192, TableMask = TableSize - 1;
    // Open-addressing dictionary from (prefix code, next index) to code; reused across frames.
    private readonly int[] keys = new int[TableSize];
    private readonly short[] codes = new short[TableSize];

    public byte[] Encode(ReadOnlySpan<byte> indices, int minCodeSize)
    {
        int clear = 1 << minCodeSize, endOfInformation = clear + 1;
        var output = new BitPacker(indices.Length / 2 + 16);
        int codeSize = minCodeSize + 1, next = endOfInformation + 1;
        Array.Clear(keys);
        output.Write(clear, codeSize);
        if (indices.Length == 0) { output.Write(endOfInformation, codeSize); return output.ToArray(); }

        int prefix = indices[0];
        for (int i = 1; i < indices.Length; i++)
        {
            int k = indices[i], key = (prefix << 8 | k) + 1, slot = Slot(key);
            while (keys[slot] != 0 && keys[slot] != key) slot = (slot + 1) & TableMask;
            if (keys[slot] == key) { prefix = codes[slot]; continue; }

            output.Write(prefix, codeSize);
            if (next < MaxCodes)
            {
                // The decoder learns this entry only on the next code, so the width grows when the
                // entry about to be added no longer fits: exactly when the decoder grows it too.
                if (next == 1 << codeSize) codeSize++;
                keys[slot] = key;
                codes[slot] = (short)next++;
            }
            else
            {
                output.Write(clear, codeSize);
                Array.Clear(keys);
                codeSize = minCodeSize + 1;
                next = endOfInformation + 1;
            }
            prefix = k;
        }
        output.Write(prefix, codeSize);
        if (next < MaxCodes && next == 1 << codeSize) codeSize++;
        output.Write(endOfInformation, codeSize);
        return output.ToArray();
    }

    private static int Slot(int key) => (int)((uint)key * 2654435761u >> 19) & TableMask;

    private sealed class BitPacker(int capacity)
    {
        private readonly MemoryStream bytes = new(capacity);
        private ulong buffer;
        private int bits;

        public void Write(int code, int width)
        {
            buffer |= (ulong)code << bits;
            bits += width;
            while (bits >= 8) { bytes.WriteByte((byte)buffer); buffer >>= 8; bits -= 8; }
        }

        public byte[] ToArray()
        {
            if (bits > 0) { bytes.WriteByte((byte)buffer); buffer = 0; bits = 0; }
            return bytes.ToArray();
        }
    }
}
