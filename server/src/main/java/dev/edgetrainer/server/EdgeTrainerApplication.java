package dev.edgetrainer.server;

import java.net.URL;
import java.security.CodeSource;

import dev.edgetrainer.model.runtime.TrainableModel;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.util.ClassUtils;

@SpringBootApplication
public class EdgeTrainerApplication {

    /** Spring's switch for the bean definitions generated at build time. */
    static final String AOT = "spring.aot.enabled";

    public static void main(String[] args) {
        // The native libraries load on the second core while Spring starts on this one.
        Thread preload = new Thread(TrainableModel::preload, "tflite-preload");
        preload.setDaemon(true);
        preload.start();
        if (System.getProperty(AOT) == null && usesBuildTimeBeans(EdgeTrainerApplication.class)) {
            System.setProperty(AOT, "true");
        }
        SpringApplication.run(EdgeTrainerApplication.class, args);
    }

    /**
     * Whether to start from the bean definitions {@code process-aot} generated at build
     * time instead of working them out at startup: when running from the packaged jar
     * (plain or extracted), which always holds definitions generated from its own
     * classes. A class directory (tests, an IDE) may hold stale ones, so it works them
     * out; {@code -Dspring.aot.enabled} decides either way.
     */
    static boolean usesBuildTimeBeans(Class<?> application) {
        CodeSource source = application.getProtectionDomain().getCodeSource();
        URL location = source == null ? null : source.getLocation();
        boolean fromJar = location != null && (location.getProtocol().equals("jar")
                || (location.getProtocol().equals("file") && location.getPath().endsWith(".jar")));
        return fromJar && ClassUtils.isPresent(application.getName() + "__ApplicationContextInitializer",
                application.getClassLoader());
    }

}
