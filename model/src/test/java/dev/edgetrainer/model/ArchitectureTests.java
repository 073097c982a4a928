package dev.edgetrainer.model;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The model module's package rules: its packages form a DAG, JavaCPP stays in the runtime
 * and Spring stays out.
 */
@AnalyzeClasses(packages = "dev.edgetrainer.model", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTests {

    @ArchTest
    static final ArchRule packagesDependOnEachOtherWithoutCycles = slices().matching("dev.edgetrainer.model.(*)..")
        .should()
        .beFreeOfCycles();

    @ArchTest
    static final ArchRule onlyTheRuntimeTouchesJavaCpp = noClasses().that()
        .resideOutsideOfPackage("dev.edgetrainer.model.runtime..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.bytedeco..");

    @ArchTest
    static final ArchRule nothingDependsOnSpring = noClasses().should()
        .dependOnClassesThat()
        .resideInAPackage("org.springframework..");

}
