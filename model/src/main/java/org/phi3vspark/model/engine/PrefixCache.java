package org.phi3vspark.model.engine;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.phi3vspark.model.nn.KvCache;

/**
 * Shared prompt prefixes: one row of keys and values per prefix, computed once and copied into each request that
 * starts with it. An entry is in use while a request admitted to the engine refers to it; unused entries stay (so
 * a request that comes later still finds them) until their memory is needed, least recently used first.
 */
final class PrefixCache implements AutoCloseable {

    /** One prefix: its cache row, the job filling it until it is ready, the admitted requests using it. */
    static final class Entry {
        final PrefixKey key;
        final KvCache cache;
        PrefillJob job;
        boolean ready;
        int users;

        Entry(PrefixKey key, KvCache cache) {
            this.key = key;
            this.cache = cache;
        }
    }

    private final Map<PrefixKey, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);

    /** The entry for {@code key} with one more user, or null when there is none. */
    Entry acquire(PrefixKey key) {
        Entry e = entries.get(key);
        if (e != null) {
            e.users++;
        }
        return e;
    }

    /** A new, empty entry with one user. */
    Entry create(PrefixKey key, KvCache cache) {
        Entry e = new Entry(key, cache);
        e.users = 1;
        entries.put(key, e);
        return e;
    }

    void release(Entry e) {
        e.users--;
    }

    /** Removes an entry whose computation failed. */
    void discard(Entry e) {
        if (entries.remove(e.key) == e) {
            free(e);
        }
    }

    /** Frees the least recently used entry nobody uses; false when there is none. */
    boolean evictOne() {
        Iterator<Entry> it = entries.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (e.users == 0) {
                it.remove();
                free(e);
                return true;
            }
        }
        return false;
    }

    long bytes() {
        long sum = 0;
        for (Entry e : entries.values()) {
            sum += e.cache.bytes();
        }
        return sum;
    }

    private static void free(Entry e) {
        if (e.job != null) {
            e.job.close();
        }
        e.cache.close();
    }

    @Override
    public void close() {
        entries.values().forEach(PrefixCache::free);
        entries.clear();
    }
}
