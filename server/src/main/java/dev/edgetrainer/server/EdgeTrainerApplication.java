package dev.edgetrainer.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class EdgeTrainerApplication {

    public static void main(String[] args) {
        SpringApplication.run(EdgeTrainerApplication.class, args);
    }

}
