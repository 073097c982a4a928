package dev.edgetrainer.server.training;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BlowUpCheckTests {

    private final BlowUpCheck check = new BlowUpCheck(100);

    @Test
    void aLossThatIsNotFiniteBlowsUpAtAnyStep() {
        assertThat(check.afterStep(Float.NaN)).contains("NaN");
        assertThat(new BlowUpCheck(100).afterStep(Float.POSITIVE_INFINITY)).contains("Infinity");
    }

    @Test
    void aLossAHundredTimesTheFirstBlowsUpButOrdinaryRisesDoNot() {
        assertThat(check.afterStep(2.3f)).isNull();
        assertThat(check.afterStep(40f)).as("a hard batch").isNull();
        assertThat(check.afterStep(231f)).contains("more than 100.0 times the job's first loss 2.3");
    }

    @Test
    void aTinyFirstLossIsMeasuredAgainstOne() {
        assertThat(check.afterStep(0.001f)).isNull();
        assertThat(check.afterStep(5f)).as("new data after a familiar batch").isNull();
        assertThat(check.afterStep(101f)).isNotNull();
    }

    @Test
    void weightsThatGrowAHundredfoldBlowUp() {
        assertThat(check.afterJob(0.5, 60)).isNull();
        assertThat(check.afterJob(0.5, 101)).contains("more than 100.0 times the 1.0 they started at");
        assertThat(check.afterJob(3, 299)).isNull();
        assertThat(check.afterJob(3, Double.POSITIVE_INFINITY)).contains("not finite");
        assertThat(check.afterJob(Double.NaN, 1e30)).as("weights that cannot be read").isNull();
    }

}
