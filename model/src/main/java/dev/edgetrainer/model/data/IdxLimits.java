package dev.edgetrainer.model.data;

import java.util.function.LongConsumer;

/**
 * What a caller lets an IDX header declare, checked before any data is read: at most
 * {@code maxCount} items (images or labels), and {@code beforeAllocating} is told the
 * size of the data buffer before it is allocated (a server reserves it from a memory
 * budget there, and may refuse by throwing). With limits the buffer is allocated once, at
 * its declared size.
 */
public record IdxLimits(long maxCount, LongConsumer beforeAllocating) {

    /**
     * No limits but {@link IdxReader}'s own 512 MiB cap; the buffer grows as data
     * arrives.
     */
    public static final IdxLimits NONE = new IdxLimits(Long.MAX_VALUE, null);

}
