using Xunit;

namespace DreamTime.Tests.Imaging;

/// <summary>A small GIF reader written for the tests, independent of the writer: blocks, sub-blocks and LZW.</summary>
internal sealed class GifTestDecoder
{
    public int Width, Height;
    public byte[] GlobalPalette = [];
    public int? LoopCount;
    public List<int> DelaysCs = [];
    public List<byte[]> FrameIndices = [];

    public static GifTestDecoder Decode(byte[] gif)
    {
        var d = new GifTestDecoder();
        int p = 0;
        Assert.Equal("GIF89a", System.Text.Encoding.ASCII.GetString(gif, 0, 6));
        p = 6;
        d.Width = gif[p] | gif[p + 1] << 8; d.Height = gif[p + 2] | gif[p + 3] << 8;
        int packed = gif[p + 4];
        p += 7;
        if ((packed & 0x80) != 0)
        {
            int size = 3 << ((packed & 7) + 1);
            d.GlobalPalette = gif[p..(p + size)];
            p += size;
        }
        while (true)
        {
            int block = gif[p++];
            if (block == 0x3B) return d;
            if (block == 0x21)
            {
                int label = gif[p++];
                var data = ReadSubBlocks(gif, ref p);
                if (label == 0xF9) d.DelaysCs.Add(data[1] | data[2] << 8);
                if (label == 0xFF && System.Text.Encoding.ASCII.GetString(data, 0, 11) == "NETSCAPE2.0")
                    d.LoopCount = data[12] | data[13] << 8;
            }
            else if (block == 0x2C)
            {
                int w = gif[p + 4] | gif[p + 5] << 8, h = gif[p + 6] | gif[p + 7] << 8;
                Assert.Equal((d.Width, d.Height), (w, h));
                Assert.Equal(0, gif[p + 8] & 0x80); // no local palette expected from our writer
                p += 9;
                int minCodeSize = gif[p++];
                d.FrameIndices.Add(Lzw(ReadSubBlocks(gif, ref p), minCodeSize, w * h));
            }
            else throw new InvalidDataException($"unexpected block 0x{block:X2} at {p - 1}");
        }
    }

    private static byte[] ReadSubBlocks(byte[] gif, ref int p)
    {
        var data = new List<byte>();
        for (int n = gif[p++]; n != 0; n = gif[p++]) { data.AddRange(gif.AsSpan(p, n).ToArray()); p += n; }
        return data.ToArray();
    }

    private static byte[] Lzw(byte[] data, int minCodeSize, int pixelCount)
    {
        int clear = 1 << minCodeSize, end = clear + 1;
        var dict = new List<byte[]>();
        void Reset() { dict.Clear(); for (int i = 0; i < clear; i++) dict.Add([(byte)i]); dict.Add([]); dict.Add([]); }
        Reset();
        int size = minCodeSize + 1, bitPos = 0;
        var output = new List<byte>(pixelCount);
        byte[]? previous = null;
        while (true)
        {
            int code = 0;
            for (int b = 0; b < size; b++, bitPos++)
                code |= ((data[bitPos >> 3] >> (bitPos & 7)) & 1) << b;
            if (code == clear) { Reset(); size = minCodeSize + 1; previous = null; continue; }
            if (code == end) break;
            byte[] entry;
            if (code < dict.Count) entry = dict[code];
            else if (code == dict.Count && previous is not null) entry = [.. previous, previous[0]];
            else throw new InvalidDataException($"LZW code {code} beyond dictionary {dict.Count}");
            output.AddRange(entry);
            if (previous is not null && dict.Count < 4096) dict.Add([.. previous, entry[0]]);
            if (dict.Count == 1 << size && size < 12) size++;
            previous = entry;
        }
        Assert.Equal(pixelCount, output.Count);
        return output.ToArray();
    }

    public (byte R, byte G, byte B) Colour(int frame, int pixel)
    {
        int i = FrameIndices[frame][pixel];
        return (GlobalPalette[3 * i], GlobalPalette[3 * i + 1], GlobalPalette[3 * i + 2]);
    }
}
