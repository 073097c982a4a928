package dev.edgetrainer.server;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import org.springframework.web.bind.annotation.RestController;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The server's structure, checked on its compiled classes: capability packages form a DAG
 * with {@code system} at the bottom, only the web layer speaks HTTP, and JavaCPP stays
 * inside the model module's runtime.
 */
@AnalyzeClasses(packages = "dev.edgetrainer.server", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTests {

    private static final String SERVER = "dev.edgetrainer.server..";

    private static final String SYSTEM = "dev.edgetrainer.server.system..";

    /**
     * All but {@code system} (filters, problem handler) and the controllers, their nested
     * records included.
     */
    private static final DescribedPredicate<JavaClass> BELOW_THE_WEB_LAYER = DescribedPredicate
        .describe("are below the web layer (system, controllers)", type -> !isWeb(type));

    @ArchTest
    static final ArchRule packagesFormADag = slices().matching("dev.edgetrainer.server.(*)..")
        .should()
        .beFreeOfCycles();

    @ArchTest
    static final ArchRule systemDependsOnNoCapability = noClasses().that()
        .resideInAPackage(SYSTEM)
        .should()
        .dependOnClassesThat(resideInAPackage(SERVER).and(resideOutsideOfPackage(SYSTEM)))
        .because("the problem handler maps exceptions by kind, so every capability may throw them and use "
                + "edge.* settings without a cycle");

    @ArchTest
    static final ArchRule onlyTheWebLayerSpeaksHttp = noClasses().that(BELOW_THE_WEB_LAYER)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.springframework.http..", "org.springframework.web..", "jakarta.servlet..")
        .because("services, the engine and stores throw domain exceptions; a second front end reuses them");

    @ArchTest
    static final ArchRule javaCppStaysInTheModelRuntime = noClasses().should()
        .dependOnClassesThat()
        .resideInAPackage("org.bytedeco..")
        .because("only dev.edgetrainer.model.runtime touches native handles");

    private static boolean isWeb(JavaClass type) {
        JavaClass outer = type;
        while (outer.getEnclosingClass().isPresent()) {
            outer = outer.getEnclosingClass().get();
        }
        return outer.getPackageName().startsWith("dev.edgetrainer.server.system")
                || outer.isAnnotatedWith(RestController.class) || outer.getSimpleName().endsWith("Controller");
    }

}
