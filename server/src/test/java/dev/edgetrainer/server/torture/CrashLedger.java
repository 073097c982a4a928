package dev.edgetrainer.server.torture;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a server acknowledged before it was killed, and what it may have done without
 * saying so: the checkpoints it answered 201 (or 200 for a replacement) with their
 * SHA-256, and every request that could have changed the current checkpoint, with when it
 * was sent and answered.
 * <p>
 * After a restart the current checkpoint must be the effect of one of those requests that
 * no acknowledged later one overrides: a request answered before another was even sent
 * cannot be the last to take effect if that other one was acknowledged. A request cut off
 * by the kill, or answered with success, may be the last; one refused with an error took
 * no effect.
 */
final class CrashLedger {

    /** A save whose answer the kill cut off: its id is not known. */
    static final String UNKNOWN_SAVE = "*unanswered save*";

    /**
     * A training job that failed or was cancelled: its weights were rolled back, and the
     * checkpoint current when it started is current again.
     */
    static final String ROLLED_BACK = "*rolled back job*";

    /** The current checkpoint as the original weights. */
    static final String ORIGINAL = "*original weights*";

    enum Outcome {

        ACKNOWLEDGED,
        /**
         * A save acknowledged: its checkpoint is stored, but it need not be current (one
         * made while a training job runs is not, until the job succeeds: all or nothing),
         * so it overrides nothing.
         */
        SAVED, REFUSED, CUT_OFF

    }

    /** A request that could make {@code target} current. */
    private record Change(String target, long sent, long answered, Outcome outcome) {
    }

    /** Per acknowledged checkpoint id, the SHA-256 values its file may have now. */
    private final Map<String, Set<String>> checkpoints = new ConcurrentHashMap<>();

    /** Checkpoints whose deletion was sent and not yet answered (or cut off). */
    private final Map<String, Set<String>> deleting = new ConcurrentHashMap<>();

    /** Checkpoints deleted with 204: they must never come back. */
    private final Set<String> deleted = ConcurrentHashMap.newKeySet();

    private final List<Change> changes = new ArrayList<>();

    /**
     * A checkpoint acknowledged with this SHA-256 (null when its answer did not say). A
     * replacement answered while a deletion of the same id is on its way stays with that
     * deletion: the deletion may be the later of the two.
     */
    synchronized void acknowledged(String id, String sha256) {
        Set<String> shas = ConcurrentHashMap.newKeySet();
        if (sha256 != null) {
            shas.add(sha256);
        }
        if (deleting.containsKey(id)) {
            deleting.put(id, shas);
        }
        else if (!deleted.contains(id)) {
            checkpoints.put(id, shas);
        }
    }

    /** A replacement whose answer the kill cut off: the old file or the new one. */
    void mayHaveReplaced(String id, String sha256) {
        Set<String> shas = checkpoints.get(id);
        if (shas != null) {
            shas.add(sha256);
        }
    }

    /** A deletion sent: until answered, the checkpoint may be there or not. */
    synchronized boolean deleting(String id) {
        Set<String> shas = checkpoints.remove(id);
        if (shas == null) {
            return false;
        }
        deleting.put(id, shas);
        return true;
    }

    /** A deletion answered: 204 (gone for good) or refused (it must stay). */
    synchronized void deleteAnswered(String id, boolean deletedNow) {
        Set<String> shas = deleting.remove(id);
        if (deletedNow) {
            deleted.add(id);
        }
        else if (shas != null) {
            checkpoints.put(id, shas);
        }
    }

    /**
     * After a restart: a deletion the kill cut off either happened or not; what is listed
     * must stay from now on.
     */
    void deletionsSettled(Set<String> listed) {
        deleting.forEach((id, shas) -> {
            if (listed.contains(id)) {
                checkpoints.put(id, shas);
            }
        });
        deleting.clear();
    }

    Set<String> deleted() {
        return deleted;
    }

    /** The acknowledged checkpoints and the SHA-256 values each may have. */
    Map<String, Set<String>> checkpoints() {
        return checkpoints;
    }

    /**
     * @param target the checkpoint the request makes current: {@link #ORIGINAL} for a
     * reset, {@link #UNKNOWN_SAVE} for a save whose answer never came
     * @param answered {@link Long#MAX_VALUE} when the kill cut it off
     */
    synchronized void change(String target, long sent, long answered, Outcome outcome) {
        changes.add(new Change(target, sent, answered, outcome));
    }

    /** What the current checkpoint may be now. */
    synchronized Set<String> possibleCurrent() {
        Set<String> possible = new HashSet<>();
        for (Change change : changes) {
            if (change.outcome() == Outcome.REFUSED) {
                continue;
            }
            boolean overridden = changes.stream()
                .anyMatch(later -> later.outcome() == Outcome.ACKNOWLEDGED && later.sent() > change.answered());
            if (!overridden) {
                possible.add(change.target());
            }
        }
        return possible;
    }

    /** After a restart was checked: what it restored is where the next round starts. */
    synchronized void restartedWith(String current, long at) {
        changes.clear();
        changes.add(new Change(current, at, at, Outcome.ACKNOWLEDGED));
    }

    synchronized List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (Change change : changes) {
            lines.add(change.target() + " sent " + change.sent() + " answered "
                    + (change.answered() == Long.MAX_VALUE ? "never" : change.answered()) + " " + change.outcome());
        }
        return lines;
    }

}
