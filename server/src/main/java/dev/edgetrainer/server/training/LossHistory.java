package dev.edgetrainer.server.training;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.springframework.stereotype.Component;

/**
 * The loss of every train step on this device since startup, in bounded memory: at most
 * {@link #CAPACITY} points. Each point is the mean loss of {@code stepsPerPoint}
 * consecutive steps; when the points fill up, neighbours are merged in pairs and that
 * number doubles, so the curve always spans the whole time since startup at the finest
 * resolution that fits. Recorded on the interpreter thread (a few array writes under a
 * lock), read by any request.
 */
@Component
class LossHistory {

    static final int CAPACITY = 1024;

    static final long MAX_FIRST_GENERATION = 1L << 52;

    private final long[] seq = new long[CAPACITY];

    private final long[] step = new long[CAPACITY];

    private final long[] at = new long[CAPACITY];

    private final double[] loss = new double[CAPACITY];

    private int size;

    private int stepsPerPoint = 1;

    /**
     * Changes whenever earlier points change (a merge) and differs between server runs,
     * so a client holding points knows when to start over. Below 2^52, so that it stays
     * exact as a JavaScript number however often points merge.
     */
    private long generation = ThreadLocalRandom.current().nextLong(1, MAX_FIRST_GENERATION);

    private long steps;

    private int pending;

    private double pendingLoss;

    /**
     * One kept train step.
     * @param modelStep the weights' step count after it
     */
    synchronized void record(long modelStep, double stepLoss, Instant time) {
        steps++;
        pending++;
        pendingLoss += stepLoss;
        if (pending < stepsPerPoint) {
            return;
        }
        if (size == CAPACITY) {
            mergePairs();
            // Points now stand for twice as many steps; this one has only half of them.
            if (pending < stepsPerPoint) {
                return;
            }
        }
        seq[size] = steps;
        step[size] = modelStep;
        at[size] = time.toEpochMilli();
        loss[size] = pendingLoss / pending;
        size++;
        pending = 0;
        pendingLoss = 0;
    }

    private void mergePairs() {
        for (int i = 0; i < size / 2; i++) {
            int later = 2 * i + 1;
            loss[i] = (loss[2 * i] + loss[later]) / 2;
            seq[i] = seq[later];
            step[i] = step[later];
            at[i] = at[later];
        }
        size /= 2;
        stepsPerPoint *= 2;
        generation++;
    }

    /** Steps recorded since startup. */
    synchronized long steps() {
        return steps;
    }

    synchronized long generation() {
        return generation;
    }

    /**
     * The points a client lacks: those after {@code afterSeq} when it holds points of the
     * current generation, all of them otherwise.
     */
    synchronized Slice since(long afterSeq, long knownGeneration) {
        boolean full = knownGeneration != generation;
        int from = 0;
        if (!full) {
            while (from < size && seq[from] <= afterSeq) {
                from++;
            }
        }
        List<Point> points = new ArrayList<>(size - from);
        for (int i = from; i < size; i++) {
            points.add(new Point(seq[i], step[i], loss[i], Instant.ofEpochMilli(at[i])));
        }
        return new Slice(generation, full, stepsPerPoint, steps, points);
    }

    /**
     * Device training loss for the dashboard's curve.
     *
     * @param generation pass it back with the last {@code seq} to get only newer points
     * @param full whether these points replace the ones the client holds (else they
     * follow them)
     * @param stepsPerPoint train steps averaged into each point
     * @param steps train steps on this device since startup
     */
    record Slice(long generation, boolean full, int stepsPerPoint, long steps, List<Point> points) {

        /** The {@code seq} of the newest point, or -1. */
        long lastSeq() {
            return points.isEmpty() ? -1 : points.get(points.size() - 1).seq();
        }
    }

    /**
     * @param seq train steps on this device since startup, up to this point
     * @param step the weights' step count (it restarts when a checkpoint is restored)
     * @param loss mean loss of the steps this point stands for
     */
    record Point(long seq, long step, double loss, Instant at) {
    }

}
