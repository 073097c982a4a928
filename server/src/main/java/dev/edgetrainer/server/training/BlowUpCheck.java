package dev.edgetrainer.server.training;

/**
 * Decides when a job has blown up, beyond a NaN: a step whose loss is not finite or
 * exceeds {@code factor} times the job's first loss (or 1, if larger), or weights that
 * end the job {@code factor} times larger in magnitude than they started (or than 1). A
 * softmax classifier's loss is -ln p of the right class: a hundred times a sane first
 * loss means probabilities below e^-100, which only exploded logits produce; weights a
 * hundred times their starting scale mean the updates ran away. The first step has no
 * loss to compare with, so weights are also checked at the end of the job. Interpreter
 * thread only.
 */
final class BlowUpCheck {

    private final double factor;

    private float firstLoss = Float.NaN;

    BlowUpCheck(double factor) {
        this.factor = factor;
    }

    /** Why the step with this loss blew up, or null when it did not. */
    String afterStep(float loss) {
        if (!Float.isFinite(loss)) {
            return "produced loss " + loss;
        }
        if (Float.isNaN(firstLoss)) {
            firstLoss = loss;
            return null;
        }
        double limit = factor * Math.max(Math.abs(firstLoss), 1);
        return (loss > limit) ? "produced loss " + loss + ", more than " + factor + " times the job's first loss "
                + firstLoss + " (edge.train.blow-up-factor)" : null;
    }

    /**
     * Why the weights blew up, or null when they did not (or cannot be read: NaN).
     * @param before the largest weight magnitude before the job
     * @param after the same at its end
     */
    String afterJob(double before, double after) {
        if (Double.isNaN(before)) {
            return null;
        }
        if (!Double.isFinite(after)) {
            return "left weights that are not finite";
        }
        double limit = factor * Math.max(before, 1);
        return (after > limit) ? "left weights of magnitude " + (float) after + ", more than " + factor + " times the "
                + (float) Math.max(before, 1) + " they started at (edge.train.blow-up-factor)" : null;
    }

}
