package dev.edgetrainer.server;

import java.io.File;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerPortFileWriter;

/**
 * The server's own main, plus a port file, so that {@link ForkedServer} learns the random
 * port of the JVM it forked.
 */
public final class ForkedServerMain {

    static final String PORT_FILE = "edge.test.port-file";

    private ForkedServerMain() {
    }

    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(EdgeTrainerApplication.class);
        // With -Dspring.aot.enabled=true Spring looks up the main class's generated
        // initializer.
        application.setMainApplicationClass(EdgeTrainerApplication.class);
        application.addListeners(new WebServerPortFileWriter(new File(System.getProperty(PORT_FILE))));
        application.run(args);
    }

}
