import java.util.function.IntUnaryOperator;

/**
 * The template of the hot methods: one method big enough that C2 emits a few KiB for it, in a
 * class of ordinary size (a few more fields and methods, as in ZzGen), so that its metadata is
 * what an application's class costs.
 */
public class ZzHot0000000000 implements IntUnaryOperator {
    private final int[] table = new int[64];
    private long b = 2;
    private String c = "ZzHot0000000000";

    int one() {
        return table.length + (int) b;
    }

    int two(int x) {
        int s = 0;
        for (int i = 0; i < x; i++) s += table[i % table.length];
        return s;
    }

    int three(String s) {
        return (c + s).length();
    }

    int four(int a) {
        switch (a) {
            case 0: return 10;
            case 1: return 11;
            case 2: return 12;
            default: return 13;
        }
    }

    @Override
    public String toString() {
        return c + b + one() + two(3) + three("x") + four(1);
    }

    public int applyAsInt(int x) {
        int s = x;
        for (int i = 0; i < 8; i++) {
            switch ((s + i) & 7) {
                case 0: s = s * 31 + i; break;
                case 1: s ^= s >>> 7; break;
                case 2: s += table[(s & 63)]; break;
                case 3: table[(s >>> 3) & 63] = s; break;
                case 4: s = Integer.rotateLeft(s, 5) + i; break;
                case 5: s = s * 0x9E3779B1; break;
                case 6: s -= (s << 3) ^ i; break;
                default: s = ~s + table[i]; break;
            }
        }
        if ((s & 1) == 0) s = (int) (((long) s * s) >>> 11);
        else s = s / ((x & 15) + 1);
        long l = s;
        for (int i = 0; i < 4; i++) l = l * 6364136223846793005L + 1442695040888963407L;
        return (int) (l ^ (l >>> 32));
    }
}
