package dev.edgetrainer.model.runtime;

import org.bytedeco.javacpp.Pointer;

/**
 * The process's native memory as JavaCPP sees it, so a server can watch for leaks of
 * native handles and buffers without touching JavaCPP itself.
 */
public final class NativeMemory {

    private NativeMemory() {
    }

    /** The whole process's resident memory (RSS), heap included, as JavaCPP reads it. */
    public static long physicalBytes() {
        return Pointer.physicalBytes();
    }

    /** Bytes JavaCPP allocated and still tracks for deallocation. */
    public static long trackedBytes() {
        return Pointer.totalBytes();
    }

    /** Native objects JavaCPP still tracks for deallocation. */
    public static long trackedPointers() {
        return Pointer.totalCount();
    }

}
