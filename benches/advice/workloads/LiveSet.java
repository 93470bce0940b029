import java.util.concurrent.ThreadLocalRandom;

/**
 * A cache of byte arrays whose total size is the live set: it survives every collection, so
 * it ends up in the old generation (or G1's old regions), and a share of requests replaces an
 * entry so the old generation keeps receiving garbage too.
 */
final class LiveSet {
    final byte[][] entries;
    final int entryBytes;
    final long bytes;

    LiveSet(long liveBytes, int entryBytes) {
        this.entryBytes = entryBytes;
        // Each array carries a 16-byte header, and the reference in the table 4 bytes more.
        long n = Math.max(1, liveBytes / (entryBytes + 20));
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("live set too large");
        entries = new byte[(int) n][];
        for (int i = 0; i < n; i++) {
            entries[i] = fresh();
        }
        bytes = n * (entryBytes + 20L);
    }

    byte[] fresh() {
        byte[] b = new byte[entryBytes];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    /** Read one entry; with probability `churn` replace it (old-generation garbage). */
    int touch(double churn) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int i = r.nextInt(entries.length);
        byte[] e = entries[i];
        int sum = e[0] + e[e.length / 2] + e[e.length - 1];
        if (churn > 0 && r.nextDouble() < churn) {
            entries[i] = fresh();
        }
        return sum;
    }

    /** Young garbage: `kib` KiB in 4 KiB arrays, each written, summed into the result. */
    static int garbage(long kib) {
        int sum = 0;
        for (long k = 0; k < kib; k += 4) {
            byte[] g = new byte[4096];
            g[(int) (k & 4095)] = (byte) k;
            sum += g[(int) ((k * 31) & 4095)] + g.length;
        }
        return sum;
    }
}
