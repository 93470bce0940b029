import java.util.function.IntSupplier;

/** The template of the generated classes: fields, methods, a static initialiser. */
public class ZzGen0000000000 implements IntSupplier {
    static final String TAG = "ZzGen0000000000";
    private int a = 1;
    private long b = 2;
    private String c = TAG;
    private final int[] d = {1, 2, 3};

    public int getAsInt() {
        return one() + two(3) + three("x") + four() + five(b);
    }

    int one() {
        return a + d.length;
    }

    int two(int x) {
        int s = 0;
        for (int i = 0; i < x; i++) s += d[i % d.length];
        return s;
    }

    int three(String s) {
        return (c + s).length();
    }

    int four() {
        switch (a) {
            case 0: return 10;
            case 1: return 11;
            case 2: return 12;
            default: return 13;
        }
    }

    int five(long v) {
        return (int) (v * 31 + a);
    }

    @Override
    public String toString() {
        return TAG + a + b + c;
    }
}
