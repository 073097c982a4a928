package dev.edgetrainer.model.data;

/**
 * An IDX header declares more items than the caller's {@link IdxLimits} allow; nothing
 * after the header was read.
 */
public class IdxTooLargeException extends IdxFormatException {

    private final long count;

    private final long limit;

    public IdxTooLargeException(String source, long count, long limit) {
        super(source, source + ": the header declares " + count + " items; at most " + limit + " are allowed");
        this.count = count;
        this.limit = limit;
    }

    /** Items the header declares. */
    public long count() {
        return count;
    }

    /** Items allowed. */
    public long limit() {
        return limit;
    }

}
